"""Free-text personal-number scan of domain reference §12."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.validation import pii
from app.validation.checkdigits import luhn_ok, uscc_problem
from app.validation.pii import scan_text

TODAY = date(2024, 6, 1)

ID = "360426199101010071"
ID_X = "44011320141005001X"
PHONE = "13912345678"
CARD16 = "6222021234567894"  # Luhn-valid
CARD19 = "6222021234567890128"  # Luhn-valid
# A valid all-digit USCC whose positions 7-14 read as a birth date (19900101) and which passes
# Luhn: it looks like an ID number and a bank card, but is public registration data.
DIGIT_USCC = "123601199001010779"
# A valid USCC whose positions 2-12 are a mobile-number-shaped run bounded by letters.
PHONE_SHAPED_USCC = "N13912345678ABCD6L"


def scan(text: str) -> list[tuple[str, int]]:
    return scan_text(text, today=TODAY)


def test_constants_are_what_they_claim() -> None:
    assert luhn_ok(CARD16) and luhn_ok(CARD19) and not luhn_ok(CARD16[:-1] + "5")
    assert uscc_problem(DIGIT_USCC) is None and luhn_ok(DIGIT_USCC)
    assert uscc_problem(PHONE_SHAPED_USCC) is None
    # The 17-digit run of this USCC passes Luhn, so only the USCC rule keeps it from being a card.
    assert uscc_problem("91110000600037341L") is None and luhn_ok("91110000600037341")


# --- nothing to find ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "违法事实",
        "当事人于2024年5月1日在经营场所销售过期食品，罚款2000元，没收违法所得1500.50元。" * 5,
        "The party failed to file its annual report. " * 20,
        "文号：饶市监罚〔2024〕12号，案卷编号 20240501-0012",
        "12345678901234567890123456",  # a digit run longer than any pattern
    ],
)
def test_no_hits(text: str) -> None:
    assert scan(text) == []


# --- ID numbers ---------------------------------------------------------------------


def test_id_number_position_after_chinese_text() -> None:
    assert scan(f"身份证号{ID}。") == [("id_number", 5)]


def test_id_number_at_start_and_end() -> None:
    assert scan(ID) == [("id_number", 1)]
    assert scan("号码 " + ID) == [("id_number", 4)]


@pytest.mark.parametrize("number", [ID_X, ID_X.lower()])
def test_id_number_with_x(number: str) -> None:
    assert scan(f"证件{number}，") == [("id_number", 3)]


def test_id_number_with_bad_checksum_still_a_hit() -> None:
    # Checksum only strengthens a hit; a mistyped number is still personal data.
    assert scan("36042619910102009X号") == [("id_number", 1)]


@pytest.mark.parametrize("text", ["1" + ID, ID + "1", "9" + ID + "9"])
def test_id_inside_longer_digit_run_is_not_an_id(text: str) -> None:
    assert all(kind != "id_number" for kind, _ in scan(text))


@pytest.mark.parametrize("text", ["A" + ID, ID + "b", "No" + ID, ID_X + "Y", "ab" + ID_X])
def test_id_inside_letter_run_is_not_an_id(text: str) -> None:
    assert all(kind != "id_number" for kind, _ in scan(text))


@pytest.mark.parametrize(
    "body",
    [
        "36042618990101007",  # year before 1900
        "36042620250101007",  # year after the current year
        "36042619911301007",  # month 13
        "36042619910230007",  # 30 February
    ],
)
def test_id_needs_plausible_birth_date(body: str) -> None:
    text = f"编号{body}1结束"
    assert all(kind != "id_number" for kind, _ in scan(text))


def test_current_year_bound_follows_today() -> None:
    number = "360426202403010011"
    assert scan_text(number, today=date(2024, 3, 1)) == [("id_number", 1)]
    assert all(kind != "id_number" for kind, _ in scan_text(number, today=date(2023, 12, 31)))


def test_id_number_not_also_reported_as_bank_card() -> None:
    luhn_id = next(f"360426199101010{n:03d}" for n in range(1000) if luhn_ok(f"360426199101010{n:03d}"))
    assert scan(f"号{luhn_id}") == [("id_number", 2)]
    luhn_id_x = next(f"36042619910101{n:03d}X" for n in range(1000) if luhn_ok(f"36042619910101{n:03d}"))
    assert scan(f"号{luhn_id_x}") == [("id_number", 2)]


# --- valid USCCs are not personal data ----------------------------------------------


@pytest.mark.parametrize(
    "uscc",
    ["91110000600037341L", "121200004013590816", "91310115MA1K3BTP2B", DIGIT_USCC, PHONE_SHAPED_USCC],
)
def test_valid_uscc_in_text_is_not_reported(uscc: str) -> None:
    assert scan(f"统一社会信用代码{uscc}，") == []
    assert scan(uscc) == []
    assert scan(uscc.lower()) == []


def test_invalid_uscc_shapes_are_reported() -> None:
    # One check character off and the same runs are personal-number shaped again.
    assert scan("代码123601199001010770") == [("id_number", 3)]
    assert scan("代码N13912345678ABCD6M") == [("phone", 4)]
    # Inside a longer letter run it is not a USCC, and its 17-digit run passes Luhn.
    assert scan("X91110000600037341L") == [("bank_card", 2)]


# --- phones -------------------------------------------------------------------------


def test_phone_next_to_chinese_text() -> None:
    assert scan(f"电话{PHONE}联系") == [("phone", 3)]


@pytest.mark.parametrize("second", "3456789")
def test_phone_prefixes(second: str) -> None:
    assert scan(f"手机1{second}012345678") == [("phone", 3)]


@pytest.mark.parametrize("number", ["12912345678", "10912345678", "23912345678", "1391234567"])
def test_not_a_phone(number: str) -> None:
    assert scan(f"号码{number}。") == []


@pytest.mark.parametrize("text", ["8" + PHONE, PHONE + "0", "+86" + PHONE, "0" + PHONE + "0"])
def test_phone_inside_longer_digit_run(text: str) -> None:
    assert all(kind != "phone" for kind, _ in scan(text))


def test_phone_next_to_letters_is_a_hit() -> None:
    # Only digits extend a phone run (§12); "Tel" glued to it does not hide it.
    assert scan(f"Tel{PHONE}") == [("phone", 4)]


# --- bank cards ---------------------------------------------------------------------


def test_bank_card_plain() -> None:
    assert scan(f"账号{CARD16}。") == [("bank_card", 3)]
    assert scan(f"账号{CARD19}。") == [("bank_card", 3)]


def test_bank_card_with_spaces() -> None:
    assert scan("卡号 6222 0212 3456 7894 已冻结") == [("bank_card", 4)]
    assert scan("卡号6222 0212 3456 7890 128。") == [("bank_card", 3)]
    assert scan("4111 1111 1111 1111") == [("bank_card", 1)]


def test_luhn_failing_16_digits_is_not_a_card() -> None:
    assert scan("账号4111111111111112。") == []
    assert scan("账号4111 1111 1111 1112。") == []


@pytest.mark.parametrize(
    "text",
    [
        "9" + CARD16,
        CARD19 + "0",  # 20 digits
        "4111 1111 1111 1111 1111",  # five groups of four
        "1 4111 1111 1111 1111",
        "41111 1111 1111 1111",
        "4111  1111 1111 1111",  # double space is not a group separator
    ],
)
def test_bank_card_inside_longer_run_or_badly_grouped(text: str) -> None:
    assert all(kind != "bank_card" for kind, _ in scan(text))


def test_bank_card_digit_counts() -> None:
    card15 = next(f"411111111111{n:03d}" for n in range(1000) if luhn_ok(f"411111111111{n:03d}"))
    assert scan(f"号{card15}号") == []  # 15 digits: too short for a card, too long for a phone
    card17 = next(f"4111111111111{n:04d}" for n in range(10000) if luhn_ok(f"4111111111111{n:04d}"))
    assert scan(f"号{card17}号") == [("bank_card", 2)]


# --- several hits -------------------------------------------------------------------


def test_positions_of_several_hits_in_text_order() -> None:
    prefix = "当事人张某（身份证"
    text = f"{prefix}{ID}，电话{PHONE}）通过账户 4111 1111 1111 1111 收款，另有账号{CARD19}。"
    expected = [
        ("id_number", len(prefix) + 1),
        ("phone", text.index(PHONE) + 1),
        ("bank_card", text.index("4111 ") + 1),
        ("bank_card", text.index(CARD19) + 1),
    ]
    assert scan(text) == expected
    for _kind, pos in expected:
        assert text[pos - 1].isdigit() and (pos == 1 or not text[pos - 2].isdigit())


def test_hits_in_a_long_text() -> None:
    filler = "当事人在经营活动中未按规定公示年度报告信息。" * 180
    text = filler + PHONE + filler
    assert len(text) > 4000
    assert scan(text) == [("phone", len(filler) + 1)]


def test_default_today_comes_from_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDITDESK_TODAY", "2024-06-01")
    assert scan_text(ID) == [("id_number", 1)]


# --- robustness ---------------------------------------------------------------------

_PII_ALPHABET = "0123456789 Xx1A电话-"


@given(st.one_of(st.text(), st.text(alphabet=_PII_ALPHABET, max_size=60)))
def test_scan_never_raises(text: str) -> None:
    hits = scan(text)
    positions = [pos for _, pos in hits]
    assert positions == sorted(positions)
    for kind, pos in hits:
        assert kind in {"id_number", "phone", "bank_card"}
        assert 1 <= pos <= len(text)
        assert text[pos - 1] in "0123456789"


@given(st.one_of(st.text(), st.text(alphabet=_PII_ALPHABET + "经查，号元（）·　", max_size=80)))
def test_quick_test_never_hides_a_candidate(text: str) -> None:
    """The byte shape that lets a text without a long number skip the scan keeps every candidate:
    whatever the candidate pattern finds, the shape holds a run of 11 digits or a grouped card."""
    shape = text.encode("ascii", "replace").translate(pii._DIGITS_AS_ZERO)
    if pii._CANDIDATE.search(text):
        assert pii._RUN in shape or pii._GROUPED in shape


@pytest.mark.parametrize("text", [f"当事人身份证{ID}，电话{PHONE}。", f"卡号：{CARD16[:4]} {CARD16[4:8]} {CARD16[8:12]} {CARD16[12:]}号",
                                  f"经查{PHONE}经查{ID_X}"])
def test_numbers_inside_chinese_prose_are_found(text: str) -> None:
    assert scan(text)
