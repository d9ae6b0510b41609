"""Check-digit algorithms of domain reference §8, against the §8.4 test vectors."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.validation import checkdigits
from app.validation.checkdigits import (
    id_birth_date,
    id_number_problem,
    luhn_ok,
    org_code_of_uscc,
    org_code_problem,
    upgrade_id_15_to_18,
    uscc_problem,
)

TODAY = date(2024, 6, 1)


def normalise_identifier(s: str) -> str:
    return unicodedata.normalize("NFKC", s).strip().upper()


# Reference implementations written straight from the §8 text, independent of the module's
# lookup tables, to build constructed test values and to cross-check the worked examples.
_REF_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_REF_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_REF_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
_REF_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def ref_uscc_sum(body17: str) -> int:
    return sum(_REF_USCC_ALPHABET.index(c) * w for c, w in zip(body17, _REF_USCC_WEIGHTS, strict=True))


def ref_uscc_check(body17: str) -> str:
    return _REF_USCC_ALPHABET[(31 - ref_uscc_sum(body17) % 31) % 31]


def ref_org_sum(body8: str) -> int:
    return sum(int(c, 36) * w for c, w in zip(body8, _REF_ORG_WEIGHTS, strict=True))


def ref_org_check(body8: str) -> str:
    c9 = 11 - ref_org_sum(body8) % 11
    return "X" if c9 == 10 else "0" if c9 == 11 else str(c9)


def ref_id_check(body17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(body17, _REF_ID_WEIGHTS, strict=True)) % 11]


def make_uscc(first8: str, org_body8: str) -> str:
    body17 = first8 + org_body8 + ref_org_check(org_body8)
    return body17 + ref_uscc_check(body17)


def make_id(body17: str) -> str:
    return body17 + ref_id_check(body17)


# --- 统一社会信用代码 ---------------------------------------------------------------

VALID_USCC = [
    ("91110000600037341L", "60003734-1"),
    ("121200004013590816", "40135908-1"),
    ("91310115MA1K3BTP2B", "MA1K3BTP-2"),
    ("9144030071526726XG", "71526726-X"),
    ("91620105L015101280", "L0151012-8"),
    ("91350100M000100Y43", "M000100Y-4"),
]


@pytest.mark.parametrize(("code", "org"), VALID_USCC)
def test_valid_uscc_vectors(code: str, org: str) -> None:
    assert uscc_problem(code) is None
    assert org_code_of_uscc(code) == org.replace("-", "")
    assert org_code_problem(org) is None
    assert org_code_problem(org.replace("-", "")) is None


def test_uscc_wrong_check_character() -> None:
    assert uscc_problem("91110000600037341N") == ("uscc_checksum", {"expected": "L"})


def test_placeholder_fails_checksum() -> None:
    # 17 zeros give check character 0; callers whitelist the placeholder as an exact string.
    assert uscc_problem("00000000000000000X") == ("uscc_checksum", {"expected": "0"})


@pytest.mark.parametrize("raw", [" 91110000600037341l ", "９１１１００００６０００３７３４１Ｌ"])
def test_uscc_valid_after_normalisation(raw: str) -> None:
    assert uscc_problem(normalise_identifier(raw)) is None


def test_uscc_unnormalised_forms_are_not_accepted() -> None:
    assert uscc_problem("９１１１００００６０００３７３４１Ｌ") == (
        "uscc_charset",
        {"position": 1, "char": "９"},
    )
    assert uscc_problem("91110000600037341l") == ("uscc_charset", {"position": 18, "char": "l"})
    assert uscc_problem(" 91110000600037341L ") == ("uscc_length", {"length": 20})


def test_uscc_worked_example_sum_538() -> None:
    body = "91110000600037341"
    assert ref_uscc_sum(body) == 538
    assert checkdigits._uscc_sum(body) == 538
    assert 538 % 31 == 11 and ref_uscc_check(body) == "L"


def test_uscc_weights_match_the_reference() -> None:
    assert list(checkdigits.USCC_WEIGHTS) == _REF_USCC_WEIGHTS


@pytest.mark.parametrize("code", ["", "9111000060003734", "91110000600037341L0", "91110000600037341"])
def test_uscc_length(code: str) -> None:
    assert uscc_problem(code) == ("uscc_length", {"length": len(code)})


@pytest.mark.parametrize(("typo", "meant"), [("I", "1"), ("O", "0"), ("S", "5"), ("V", "U"), ("Z", "2")])
def test_uscc_typo_letters_are_reported_not_corrected(typo: str, meant: str) -> None:
    code = "91110000600037341L"
    bad = code[:16] + typo + code[17:]
    assert uscc_problem(bad) == ("uscc_charset", {"position": 17, "char": typo, "typo_of": meant})


def test_uscc_charset_reports_first_bad_position_without_typo_hint() -> None:
    assert uscc_problem("9111000060003-341L") == ("uscc_charset", {"position": 14, "char": "-"})
    assert uscc_problem("O1110000600037341*") == (
        "uscc_charset",
        {"position": 1, "char": "O", "typo_of": "0"},
    )


@pytest.mark.parametrize(("code", "position"), [("91A10000600037341L", 3), ("9111000M600037341L", 8)])
def test_uscc_region_must_be_digits(code: str, position: int) -> None:
    assert uscc_problem(code) == ("uscc_region", {"position": position})


def test_uscc_region_checked_before_checksum() -> None:
    # A well-formed checksum does not excuse letters in the region code.
    body17 = "91AB0000600037341"
    assert uscc_problem(body17 + ref_uscc_check(body17)) == ("uscc_region", {"position": 3})


@pytest.mark.parametrize(
    "code",
    [make_uscc("N1361100", "MA1K3BTP"), make_uscc("Y1361102", "MA1K3BTP"), make_uscc("NA361100", "MA1K3BTP")],
)
def test_letter_led_uscc_is_valid(code: str) -> None:
    assert not code[:2].isdigit()
    assert uscc_problem(code) is None


def test_letter_led_constructed_values() -> None:
    assert make_uscc("N1361100", "MA1K3BTP") == "N1361100MA1K3BTP27"
    assert uscc_problem("N1361100MA1K3BTP27") is None


def test_uscc_embedded_org_code_check() -> None:
    # Position 17 changed and position 18 recomputed: the GB 32100 check passes, GB 11714 fails.
    body17 = "9111000060003734" + "2"
    code = body17 + ref_uscc_check(body17)
    assert uscc_problem(code) == ("uscc_org_code", {})


def test_uscc_org_code_uses_gb11714_letter_values() -> None:
    # J is 18 in GB 32100 but 19 in GB 11714; the embedded check must use the latter.
    code = make_uscc("91361100", "MJ1K3BTP")
    assert uscc_problem(code) is None


# --- 组织机构代码 -------------------------------------------------------------------


def test_org_code_worked_example_sum_109() -> None:
    assert ref_org_sum("60003734") == 109
    assert checkdigits._org_sum("60003734") == 109
    assert ref_org_check("60003734") == "1"
    assert org_code_problem("60003734-1") is None
    assert org_code_problem("600037341") is None


def test_org_code_checksum() -> None:
    assert org_code_problem("60003734-2") == ("org_code_checksum", {"expected": "1"})
    assert org_code_problem("600037342") == ("org_code_checksum", {"expected": "1"})


def test_org_code_check_x_and_zero() -> None:
    assert org_code_problem("71526726-X") is None
    bodies_with_zero = [b for b in (f"{n:08d}" for n in range(200)) if ref_org_check(b) == "0"]
    assert bodies_with_zero
    assert org_code_problem(bodies_with_zero[0] + "0") is None


def test_org_code_accepts_letters_i_o_s_v_z_in_body() -> None:
    # GB 11714 has no excluded letters; A=10 ... Z=35.
    body = "ZIOSV123"
    assert org_code_problem(body + ref_org_check(body)) is None


@pytest.mark.parametrize(
    ("code", "details"),
    [
        ("", {"length": 0}),
        ("6000373", {"length": 7}),
        ("60003734--1", {"length": 11}),
        ("600037341-", {"length": 10}),
        ("6000373a1", {"position": 8, "char": "a"}),
        ("60003734-A", {"position": 10, "char": "A"}),
        ("60003734A", {"position": 9, "char": "A"}),
        ("６0003734-1", {"position": 1, "char": "６"}),
    ],
)
def test_org_code_format(code: str, details: dict) -> None:
    assert org_code_problem(code) == ("org_code_format", details)


# --- 公民身份号码 -------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    ["360426199101010071", "44011320141005001X", "110102199101010078", "361102198001010014"],
)
def test_valid_id_vectors(number: str) -> None:
    assert id_number_problem(number, TODAY) is None


def test_id_lower_case_x_after_normalisation() -> None:
    assert id_number_problem(normalise_identifier("44011320141005001x"), TODAY) is None
    # The caller upper-cases; a raw lower-case x is a format error here.
    assert id_number_problem("44011320141005001x", TODAY) == (
        "id_format",
        "error",
        {"length": 18, "position": 18},
    )


def test_id_checksum_vector() -> None:
    assert id_number_problem("36042619910102009X", TODAY) == ("id_checksum", "error", {})
    assert ref_id_check("36042619910102009") == "3"
    assert id_number_problem("360426199101020093", TODAY) is None


def test_id_checksum_example_sum_231() -> None:
    assert checkdigits._id_sum("36042619910101007") == 231
    assert ref_id_check("36042619910101007") == "1"


def test_id_month_13_is_a_date_error_even_with_correct_check() -> None:
    assert ref_id_check("36042619911301007") == "9"
    assert id_number_problem("360426199113010079", TODAY) == (
        "id_birth_date",
        "error",
        {"reason": "not_a_date"},
    )


def test_id_region_newer_than_birth_year_is_accepted() -> None:
    assert id_number_problem("361102198001010014", TODAY) is None
    assert id_number_problem(make_id("36112219800101001"), TODAY) is None


@pytest.mark.parametrize(
    "body", ["36042619910229001", "36042619910431001", "36042619910100001", "36042600000101001"]
)
def test_id_impossible_dates(body: str) -> None:
    assert id_number_problem(make_id(body), TODAY) == ("id_birth_date", "error", {"reason": "not_a_date"})


def test_id_leap_day_is_a_real_date() -> None:
    assert id_number_problem(make_id("36042620000229001"), TODAY) is None


def test_id_future_birth_date() -> None:
    tomorrow = make_id("36042620240602001")
    assert tomorrow == "360426202406020013"
    assert id_number_problem(tomorrow, TODAY) == ("id_birth_date", "error", {"reason": "future"})
    assert id_number_problem("360426202406010018", TODAY) is None  # born today
    assert id_number_problem(tomorrow, date(2024, 6, 2)) is None


@pytest.mark.parametrize(
    "province", ["99", "10", "00", "16", "20", "24", "38", "47", "55", "60", "66", "70", "84", "90"]
)
def test_id_unknown_province_is_only_a_warning(province: str) -> None:
    number = make_id(province + "042619910101007")
    assert id_number_problem(number, TODAY) == ("id_province", "warning", {})


@pytest.mark.parametrize(
    "province",
    ["11", "15", "21", "23", "31", "37", "41", "46", "50", "54", "61", "65", "71", "81", "82", "83", "91"],
)
def test_id_known_provinces(province: str) -> None:
    assert id_number_problem(make_id(province + "042619910101007"), TODAY) is None


@pytest.mark.parametrize(
    ("number", "details"),
    [
        ("", {"length": 0}),
        ("36042619910101007", {"length": 17}),
        ("3604261991010100711", {"length": 19}),
        ("36042619910101007A", {"length": 18, "position": 18}),
        ("3604261991010100X1", {"length": 18, "position": 17}),
        ("３60426199101010071", {"length": 18, "position": 1}),
        ("36042619910101007²", {"length": 18, "position": 18}),
        ("36042619910101O071", {"length": 18, "position": 15}),
        ("36042691010100X", {"length": 15, "position": 15}),
        ("36042691010100 ", {"length": 15, "position": 15}),
    ],
)
def test_id_format(number: str, details: dict) -> None:
    assert id_number_problem(number, TODAY) == ("id_format", "error", details)


def test_id_problem_details_never_carry_the_number() -> None:
    for number in ["36042619910102009X", "360426199113010079", "990426199101010079", "360426910101007"]:
        result = id_number_problem(number, TODAY)
        assert result is not None
        assert not any(isinstance(v, str) and any(ch.isdigit() for ch in v) for v in result[2].values())


# --- 15-digit legacy numbers --------------------------------------------------------


def test_legacy_15_is_a_warning_and_upgrades() -> None:
    assert id_number_problem("360426910101007", TODAY) == ("id_legacy_15", "warning", {})
    assert upgrade_id_15_to_18("360426910101007") == "360426199101010071"
    assert id_number_problem(upgrade_id_15_to_18("360426910101007"), TODAY) is None


def test_legacy_15_date_is_checked_with_year_19yy() -> None:
    assert id_number_problem("360426911301007", TODAY) == ("id_birth_date", "error", {"reason": "not_a_date"})
    # 1900 was not a leap year, 2000 was; legacy numbers always mean 19YY.
    assert id_number_problem("360426000229007", TODAY) == ("id_birth_date", "error", {"reason": "not_a_date"})
    assert id_number_problem("360426960229007", TODAY) == ("id_legacy_15", "warning", {})


def test_legacy_15_unknown_province_rides_on_the_legacy_warning() -> None:
    assert id_number_problem("990426910101007", TODAY) == (
        "id_legacy_15",
        "warning",
        {"unknown_province": True},
    )


@pytest.mark.parametrize(
    "number", ["", "36042691010100", "36042619910101007", "36042691010100X", "３60426910101007"]
)
def test_upgrade_rejects_non_legacy_values(number: str) -> None:
    with pytest.raises(ValueError):
        upgrade_id_15_to_18(number)


def test_id_birth_date_helper() -> None:
    assert id_birth_date("360426199101010071") == date(1991, 1, 1)
    assert id_birth_date("44011320141005001X") == date(2014, 10, 5)
    assert id_birth_date("360426910101007") == date(1991, 1, 1)
    assert id_birth_date("360426199113010079") is None
    assert id_birth_date("3604261991010100") is None
    assert id_birth_date("360426１９91010100") is None
    assert id_birth_date("") is None


# --- Luhn ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "ok"),
    [
        ("79927398713", True),
        ("79927398710", False),
        ("4111111111111111", True),
        ("4111111111111112", False),
        ("6222021234567894", True),
        ("6222021234567890128", True),
        ("0", True),
        ("", False),
        ("4111 1111 1111 1111", False),
        ("４111111111111111", False),
        ("abc", False),
    ],
)
def test_luhn(digits: str, ok: bool) -> None:
    assert luhn_ok(digits) is ok


# --- Robustness ---------------------------------------------------------------------

_IDENTIFIER_TEXT = st.one_of(
    st.text(),
    st.text(alphabet="0123456789X", max_size=20),
    st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-", max_size=20),
)


@given(_IDENTIFIER_TEXT)
def test_no_function_raises_on_arbitrary_strings(s: str) -> None:
    uscc = uscc_problem(s)
    assert uscc is None or uscc[0] in {
        "uscc_length",
        "uscc_charset",
        "uscc_region",
        "uscc_checksum",
        "uscc_org_code",
    }
    org = org_code_problem(s)
    assert org is None or org[0] in {"org_code_format", "org_code_checksum"}
    org_code_of_uscc(s)
    result = id_number_problem(s, TODAY)
    assert result is None or result[1] in {"error", "warning"}
    id_birth_date(s)
    assert isinstance(luhn_ok(s), bool)


@given(st.text(alphabet="0123456789", min_size=15, max_size=15))
def test_upgrade_roundtrip_on_any_15_digits(s: str) -> None:
    upgraded = upgrade_id_15_to_18(s)
    assert len(upgraded) == 18 and upgraded[:6] == s[:6] and upgraded[6:8] == "19"
    assert upgraded[-1] == ref_id_check(upgraded[:17])


@given(st.text(alphabet=_REF_USCC_ALPHABET, min_size=17, max_size=17))
def test_uscc_checksum_agrees_with_reference(body17: str) -> None:
    problem = uscc_problem(body17 + ref_uscc_check(body17))
    assert problem is None or problem[0] in {"uscc_region", "uscc_org_code"}
