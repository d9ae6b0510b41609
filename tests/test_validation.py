"""Every validation rule of domain.md, with passing and failing examples."""

from __future__ import annotations

import random
from datetime import date

import pytest

from app.catalog import default_catalog
from app.validation.engine import Validator
from tests import factories

TODAY = date(2026, 11, 26)
PH = "00000000000000000X"


@pytest.fixture(scope="module")
def validator():
    from app.workdays.calendar import WorkCalendar
    from app.workdays.sources import bundled_years

    return Validator(default_catalog(), WorkCalendar(bundled_years()))


def run(validator, kind, **over):
    fields = factories.record(kind, random.Random(5), 1, **over)
    return validator.check(kind, fields, TODAY)


def found(result):
    return {(f.field, f.rule, f.severity) for f in result.findings}


def rules(result):
    return {f.rule for f in result.findings}


@pytest.mark.parametrize("kind", ["license", "penalty", "enforcement", "inspection"])
def test_a_realistic_record_of_each_kind_passes_clean(validator, kind):
    result = run(validator, kind)
    assert result.findings == []
    assert result.ok


# -- normalisation --------------------------------------------------------------------------------

def test_full_width_and_spaces_are_normalised_first(validator):
    r = run(validator, "penalty", CF_XDR_SHXYM="９１１１００００６０００３７３４１Ｌ", CF_XDR_MC="\u3000某公司（上饶）\u00a0",
            CF_CFLB="警告；罚款", CF_NR_FK="０.２")
    assert r.fields["CF_XDR_SHXYM"] == "91110000600037341L"
    assert r.fields["CF_XDR_MC"] == "某公司(上饶)"
    assert r.fields["CF_CFLB"] == "警告;罚款"
    assert r.fields["CF_NR_FK"] == "0.2"
    assert r.ok, r.findings


def test_identifiers_lose_spaces_and_dashes_and_are_upper_cased(validator):
    r = run(validator, "penalty", CF_XDR_SHXYM=" 91110000600037341l ", CF_XDR_ZZJG="60003734-1")
    assert r.fields["CF_XDR_SHXYM"] == "91110000600037341L"
    assert r.fields["CF_XDR_ZZJG"] == "600037341"
    assert r.ok, r.findings


@pytest.mark.parametrize("typed", ["2026-11-20", "2026/11/20", "2026/11/20", "2026年11月20日", "2026.11.20",
                                   "20261120", "2026-11-20 00:00:00"])
def test_dates_in_every_accepted_form(validator, typed):
    r = run(validator, "penalty", CF_JDRQ=typed)
    assert r.fields["CF_JDRQ"] == "2026-11-20"
    assert r.ok


def test_one_digit_month_and_day(validator):
    r = run(validator, "license", XK_JDRQ="2026/9/5", XK_YXQZ="2026.9.5")
    assert (r.fields["XK_JDRQ"], r.fields["XK_YXQZ"]) == ("2026-09-05", "2026-09-05")


def test_a_time_part_is_a_warning(validator):
    r = run(validator, "penalty", CF_JDRQ="2026-11-20 14:30")
    assert ("CF_JDRQ", "date_time_part", "warning") in found(r)
    assert r.ok


def test_status_texts_map_to_codes(validator):
    assert run(validator, "license", XK_ZT="有效").fields["XK_ZT"] == "1"
    assert run(validator, "license", XK_ZT="无效").fields["XK_ZT"] == "2"
    assert run(validator, "enforcement", QZ_ZT="已执行完毕").fields["QZ_ZT"] == "3"


def test_multi_values_keep_order_and_drop_duplicates(validator):
    r = run(validator, "penalty", CF_CFLB="罚款;警告;罚款;")
    assert r.fields["CF_CFLB"] == "罚款;警告"


def test_amounts_with_unit_suffix_are_converted_with_a_warning(validator):
    r = run(validator, "penalty", CF_NR_FK="2000元")
    assert r.fields["CF_NR_FK"] == "0.2"
    assert ("CF_NR_FK", "amount_unit_converted", "warning") in found(r)
    r = run(validator, "penalty", CF_NR_FK="0.2万元")
    assert r.fields["CF_NR_FK"] == "0.2"
    r = run(validator, "penalty", CF_NR_FK="1.5万")
    assert r.fields["CF_NR_FK"] == "1.5" and ("CF_NR_FK", "amount_unit_converted", "warning") in found(r)


def test_amounts_are_canonical_decimal_text(validator):
    assert run(validator, "penalty", CF_NR_FK="1500.000").fields["CF_NR_FK"] == "1500"
    assert run(validator, "penalty", CF_NR_FK=0.2).fields["CF_NR_FK"] == "0.2"
    assert run(validator, "penalty", CF_NR_FK="1,500").fields["CF_NR_FK"] == "1500"
    assert run(validator, "penalty", CF_NR_FK="2E-1").fields["CF_NR_FK"] == "0.2"


def test_empty_strings_count_as_empty(validator):
    r = run(validator, "penalty", CF_WSH="   ")
    assert ("CF_WSH", "required", "error") in found(r)
    assert "CF_WSH" not in r.fields


def test_unknown_field_codes_are_reported_and_ignored(validator):
    r = run(validator, "penalty", CF_NOPE="x")
    assert ("unknown_field" in rules(r)) and "CF_NOPE" not in r.fields and r.ok


# -- required and conditional fields by 行政相对人类别 ----------------------------------------------

def test_required_fields(validator):
    r = run(validator, "penalty", CF_XDR_MC=None, CF_NR=None)
    assert {("CF_XDR_MC", "required", "error"), ("CF_NR", "required", "error")} <= found(r)
    assert not r.ok
    msg = next(f.message for f in r.findings if f.field == "CF_XDR_MC")
    assert "行政相对人名称" in msg and "填写" in msg


def test_legal_person_needs_uscc_and_representative(validator):
    r = run(validator, "penalty", CF_XDR_SHXYM=None, CF_FRDB=None)
    assert {("CF_XDR_SHXYM", "required_if", "error"), ("CF_FRDB", "required_if", "error")} <= found(r)


def test_legal_person_may_not_use_the_placeholder(validator):
    r = run(validator, "penalty", CF_XDR_SHXYM=PH)
    assert ("CF_XDR_SHXYM", "uscc_placeholder", "error") in found(r)


def test_sole_trader_placeholder_needs_business_registration_number(validator):
    r = run(validator, "penalty", CF_XDR_LB="个体工商户", CF_XDR_SHXYM=PH)
    assert ("CF_XDR_GSZC", "required_if", "error") in found(r)
    assert "uscc_placeholder" not in rules(r) and "uscc_checksum" not in rules(r)
    r = run(validator, "penalty", CF_XDR_LB="个体工商户", CF_XDR_SHXYM=PH, CF_XDR_GSZC="361102600123456")
    assert r.ok, r.findings


def test_sole_trader_with_real_code_does_not_need_registration_number(validator):
    code = factories.uscc(random.Random(3), "92")
    r = run(validator, "penalty", CF_XDR_LB="个体工商户", CF_XDR_SHXYM=code)
    assert r.findings == []


def test_placeholder_is_an_error_in_authority_code_fields(validator):
    r = run(validator, "penalty", CF_CFJGDM=PH, CF_SJLYDM=PH)
    assert {("CF_CFJGDM", "uscc_placeholder", "error"), ("CF_SJLYDM", "uscc_placeholder", "error")} <= found(r)


def _person(**over):
    base = {"CF_XDR_MC": "王小明", "CF_XDR_LB": "自然人", "CF_XDR_SHXYM": None, "CF_FRDB": None,
            "CF_XDR_ZJLX": "身份证", "CF_XDR_ZJHM": "360426199101010071"}
    base.update(over)
    return base


def test_natural_person_passes_with_id_document(validator):
    r = run(validator, "penalty", **_person())
    assert r.findings == []


def test_natural_person_needs_document_type_and_number(validator):
    r = run(validator, "penalty", **_person(CF_XDR_ZJLX=None, CF_XDR_ZJHM=None))
    assert {("CF_XDR_ZJLX", "required_if", "error"), ("CF_XDR_ZJHM", "required_if", "error")} <= found(r)


@pytest.mark.parametrize("code, value", [
    ("CF_XDR_SHXYM", "91110000600037341L"), ("CF_XDR_GSZC", "361102600123456"), ("CF_XDR_ZZJG", "600037341"),
    ("CF_XDR_SWDJ", "361102600123456"), ("CF_XDR_SYDW", "事证第136110000123号"), ("CF_XDR_SHZZ", "51361100MJD1234567"),
    ("CF_FRDB", "张三"), ("CF_FR_ZJLX", "身份证"), ("CF_FR_ZJHM", "360426199101010071"),
])
def test_natural_person_unit_codes_and_representative_must_be_empty(validator, code, value):
    r = run(validator, "penalty", **_person(**{code: value}))
    assert (code, "must_be_empty", "error") in found(r)


def test_organisation_with_personal_document_fields_gets_a_warning(validator):
    r = run(validator, "penalty", CF_XDR_ZJLX="身份证", CF_XDR_ZJHM="360426199101010071")
    assert {("CF_XDR_ZJLX", "not_used", "warning"), ("CF_XDR_ZJHM", "not_used", "warning")} <= found(r)
    assert r.ok


def test_representative_document_both_or_neither(validator):
    r = run(validator, "penalty", CF_FR_ZJLX="身份证")
    assert ("CF_FR_ZJHM", "both_or_neither", "error") in found(r)
    r = run(validator, "penalty", CF_FR_ZJHM="360426199101010071")
    assert ("CF_FR_ZJLX", "both_or_neither", "error") in found(r)
    r = run(validator, "penalty", CF_FR_ZJLX="身份证", CF_FR_ZJHM="360426199101010071")
    assert r.findings == []


def test_uscc_prefix_hint_for_category(validator):
    r = run(validator, "penalty", CF_XDR_LB="个体工商户")  # the factory's code starts with 91
    assert ("CF_XDR_LB", "uscc_prefix", "warning") in found(r)
    r = run(validator, "penalty", CF_XDR_SHXYM=factories.uscc(random.Random(9), "92"))
    assert ("CF_XDR_LB", "uscc_prefix", "warning") in found(r)
    assert r.ok


def test_embedded_org_code_mismatch_is_a_warning(validator):
    r = run(validator, "penalty", CF_XDR_SHXYM="91110000600037341L", CF_XDR_ZZJG="400135908-1")
    # 400135908-1 is not 9 chars after normalising ("4001359081" 10): a format error, not a mismatch.
    assert ("CF_XDR_ZZJG", "org_code_format", "error") in found(r)
    r = run(validator, "penalty", CF_XDR_SHXYM="91110000600037341L", CF_XDR_ZZJG="40135908-1")
    assert ("CF_XDR_ZZJG", "org_code_mismatch", "warning") in found(r)
    r = run(validator, "penalty", CF_XDR_SHXYM="91110000600037341L", CF_XDR_ZZJG="60003734-1")
    assert r.findings == []


# -- code lists ---------------------------------------------------------------------------------------

def test_code_list_values(validator):
    assert ("XK_XKLB", "code_list", "error") in found(run(validator, "license", XK_XKLB="许可"))
    assert run(validator, "license", XK_XKLB="其他-备案").findings == []
    assert ("XK_XKLB", "other_without_name", "error") in found(run(validator, "license", XK_XKLB="其他"))
    assert ("XK_XKLB", "other_without_name", "error") in found(run(validator, "license", XK_XKLB="其他-"))
    assert ("CF_XDR_LB", "code_list", "error") in found(run(validator, "penalty", CF_XDR_LB="企业"))


def test_a_value_near_one_of_the_list_is_named_but_still_an_error(validator):
    """Clerks' wording for a listed value (居民身份证, 个体户, 法人) stays an error — the values are exact
    (domain.md §2) — and the message names the value it most likely means; none when no single one does."""
    def message(code, value, **fields):
        r = run(validator, "penalty", **{code: value, **fields})
        return next(f.message for f in r.findings if f.field == code and f.rule == "code_list")

    assert "是否应为“身份证”" in message("CF_FR_ZJLX", "居民身份证", CF_FR_ZJHM="11010519491231002X")
    assert "是否应为“个体工商户”" in message("CF_XDR_LB", "个体户")
    assert "是否应为“法人及非法人组织”" in message("CF_XDR_LB", "法人")
    assert "是否应为" not in message("CF_XDR_LB", "企业") and "可选：法人及非法人组织、自然人、个体工商户" in \
        message("CF_XDR_LB", "企业")


def test_document_types(validator):
    r = run(validator, "penalty", **_person(CF_XDR_ZJLX="其他", CF_XDR_ZJHM="AB123456"))
    assert ("CF_XDR_ZJLX", "other_without_name", "error") in found(r)
    r = run(validator, "penalty", **_person(CF_XDR_ZJLX="其他-军官证", CF_XDR_ZJHM="AB123456"))
    assert r.findings == []
    r = run(validator, "penalty", **_person(CF_XDR_ZJLX="护照号", CF_XDR_ZJHM="E1234567"))
    assert r.findings == []
    r = run(validator, "penalty", **_person(CF_XDR_ZJLX="护照号", CF_XDR_ZJHM="E12#4567"))
    assert ("CF_XDR_ZJHM", "id_document_format", "warning") in found(r)


def test_penalty_categories_multi_value(validator):
    r = run(validator, "penalty", CF_CFLB="警告、罚款")
    assert ("CF_CFLB", "code_list", "error") in found(r)
    # Values that are right but joined by 、 or a comma: the message gives the value as it should be.
    assert "应写作“警告;罚款”" in next(f.message for f in r.findings if f.rule == "code_list")
    r = run(validator, "penalty", CF_CFLB="警告，罚款、没收违法所得")
    assert "应写作“警告;罚款;没收违法所得”" in next(f.message for f in r.findings if f.rule == "code_list")
    r = run(validator, "penalty", CF_CFLB="警告、罚没")  # not every part a value: the list of values
    message = next(f.message for f in r.findings if f.rule == "code_list")
    assert "可选：" in message and "分号" in message and "应写作" not in message
    assert ("CF_CFLB", "other_without_name", "error") in found(run(validator, "penalty", CF_CFLB="警告;其他"))
    assert run(validator, "penalty", CF_CFLB="警告;其他-责令改正", CF_NR_FK=None).findings == []


@pytest.mark.parametrize("legacy", ["暂扣或者吊销许可证", "暂扣或者吊销执照"])
def test_legacy_penalty_names_are_warnings_and_require_the_licence_field(validator, legacy):
    r = run(validator, "penalty", CF_CFLB=legacy, CF_NR_FK=None)
    assert ("CF_CFLB", "legacy_value", "warning") in found(r)
    assert ("CF_NR_ZKDX", "required_if", "error") in found(r)
    msg = next(f.message for f in r.findings if f.rule == "legacy_value")
    assert "暂扣许可证件" in msg and "吊销许可证件" in msg
    r = run(validator, "penalty", CF_CFLB=legacy, CF_NR_FK=None, CF_NR_ZKDX="食品经营许可证JY123")
    assert r.ok and rules(r) == {"legacy_value"}


def test_new_2021_categories_before_the_new_law_are_warnings(validator):
    r = run(validator, "penalty", CF_CFLB="通报批评", CF_NR_FK=None, CF_JDRQ="2021-07-14", CF_YXQ="2022-07-14",
            CF_GSJZQ="2021-10-14")
    assert ("CF_CFLB", "category_before_law", "warning") in found(r)
    r = run(validator, "penalty", CF_CFLB="通报批评", CF_NR_FK=None, CF_JDRQ="2021-07-15", CF_YXQ="2022-07-15",
            CF_GSJZQ="2021-10-15")
    assert "category_before_law" not in rules(r)


def test_enforcement_method_must_match_its_category(validator):
    r = run(validator, "enforcement", QZ_FS="代履行")  # an 行政强制执行 method under 行政强制措施
    assert ("QZ_FS", "value_wrong_category", "error") in found(r)
    r = run(validator, "enforcement", QZ_LB="行政强制执行", QZ_FS="代履行;其他-强制拆除房屋或者设施")
    assert r.findings == []
    r = run(validator, "enforcement", QZ_FS="查封场所、设施或者财物;扣押财物")
    assert r.findings == []


def test_inspection_code_lists_and_problem_text(validator):
    assert ("JC_FS", "other_without_name", "error") in found(run(validator, "inspection", JC_FS="其他"))
    assert ("JC_JG", "other_without_name", "error") in found(run(validator, "inspection", JC_JG="其他"))
    r = run(validator, "inspection", JC_JG="发现问题已责令整改")
    assert ("JC_WT", "required_if", "error") in found(r)
    assert run(validator, "inspection", JC_JG="发现问题已责令整改", JC_WT="货架标签不全，已责令整改").ok


# -- lengths, dates and amounts ---------------------------------------------------------------------

def test_lengths_are_counted_in_characters_after_normalisation(validator):
    assert run(validator, "penalty", CF_XDR_MC="某" * 200).ok
    r = run(validator, "penalty", CF_XDR_MC="某" * 201)
    assert ("CF_XDR_MC", "length", "error") in found(r)
    assert run(validator, "penalty", CF_XDR_MC="Ａ" * 200).fields["CF_XDR_MC"] == "A" * 200
    assert ("BZ", "length", "error") in found(run(validator, "penalty", BZ="备" * 513))


def test_dates_must_be_real_and_well_formed(validator):
    assert ("CF_JDRQ", "date_invalid", "error") in found(run(validator, "penalty", CF_JDRQ="2026-02-30"))
    assert ("CF_JDRQ", "date_invalid", "error") in found(run(validator, "penalty", CF_JDRQ="2026/13/01"))
    assert ("CF_JDRQ", "date_format", "error") in found(run(validator, "penalty", CF_JDRQ="上周五"))
    assert ("CF_JDRQ", "date_format", "error") in found(run(validator, "penalty", CF_JDRQ="26-11-20"))


def test_decision_dates_may_not_be_in_the_future(validator):
    assert ("CF_JDRQ", "date_future", "error") in found(run(validator, "penalty", CF_JDRQ="2026-11-27"))
    assert "date_future" not in rules(run(validator, "penalty", CF_JDRQ="2026-11-26"))
    assert ("XK_JDRQ", "date_future", "error") in found(run(validator, "license", XK_JDRQ="2027-01-01"))
    assert ("JC_RQ", "date_future", "error") in found(run(validator, "inspection", JC_RQ="2026-12-01"))


def test_long_term_date_is_accepted(validator):
    assert run(validator, "license", XK_YXQZI="2099/12/31").ok
    assert run(validator, "penalty", CF_YXQ="2099-12-31").ok


def test_license_date_order(validator):
    r = run(validator, "license", XK_YXQZ="2026-11-20", XK_YXQZI="2026-11-19")
    assert ("XK_YXQZI", "date_order", "error") in found(r)
    r = run(validator, "license", XK_YXQZ="2026-11-19")
    assert ("XK_YXQZ", "date_order", "warning") in found(r)
    assert r.ok


def test_license_status_still_valid_after_expiry_is_a_warning(validator):
    r = run(validator, "license", XK_JDRQ="2020-01-02", XK_YXQZ="2020-01-02", XK_YXQZI="2025-01-01", XK_ZT="1")
    assert ("XK_ZT", "status_outdated", "warning") in found(r)
    assert run(validator, "license", XK_JDRQ="2020-01-02", XK_YXQZ="2020-01-02", XK_YXQZI="2025-01-01",
               XK_ZT="2").findings == []


def test_penalty_date_order(validator):
    assert ("CF_YXQ", "date_order", "error") in found(run(validator, "penalty", CF_YXQ="2026-11-19"))
    assert ("CF_GSJZQ", "date_order", "error") in found(run(validator, "penalty", CF_GSJZQ="2026-11-19"))
    assert run(validator, "penalty", CF_YXQ="2026-11-20", CF_GSJZQ=None).ok
    # Across a year and a month, and a date that is not one: only its own check speaks, not the order.
    assert ("CF_YXQ", "date_order", "error") in found(run(validator, "penalty", CF_JDRQ="2026-01-05",
                                                          CF_YXQ="2025-12-31"))
    invalid = run(validator, "penalty", CF_YXQ="2026-02-30")
    assert "date_order" not in rules(invalid) and any(f.field == "CF_YXQ" for f in invalid.findings)


def test_amount_checks(validator):
    assert ("CF_NR_FK", "amount_decimals", "error") in found(run(validator, "penalty", CF_NR_FK="0.1234567"))
    assert run(validator, "penalty", CF_NR_FK="0.123456").ok
    assert ("CF_NR_FK", "amount_format", "error") in found(run(validator, "penalty", CF_NR_FK="两千元"))
    assert ("CF_NR_FK", "amount_negative", "error") in found(run(validator, "penalty", CF_NR_FK="-1"))
    assert ("CF_NR_FK", "amount_digits", "error") in found(run(validator, "penalty", CF_NR_FK="1234567890123"))
    r = run(validator, "penalty", CF_NR_FK="100000")
    assert ("CF_NR_FK", "amount_unit_suspect", "warning") in found(r) and r.ok
    assert "amount_unit_suspect" not in rules(run(validator, "penalty", CF_NR_FK="99999.99"))


def test_fine_amount_required_and_positive_when_fine_selected(validator):
    assert ("CF_NR_FK", "amount_required", "error") in found(run(validator, "penalty", CF_NR_FK=None))
    assert ("CF_NR_FK", "amount_required", "error") in found(run(validator, "penalty", CF_NR_FK="0"))
    r = run(validator, "penalty", CF_CFLB="没收违法所得")
    assert ("CF_NR_WFFF", "amount_required", "error") in found(r)
    assert ("CF_NR_FK", "amount_without_category", "warning") in found(r)
    assert run(validator, "penalty", CF_CFLB="没收非法财物;罚款", CF_NR_WFFF="1.5").ok
    # Categories written with the wrong separator are an error of their own; the amount rule does not
    # add that no fine was chosen.
    r = run(validator, "penalty", CF_CFLB="警告、罚款", CF_NR_FK="0.2")
    assert ("CF_CFLB", "code_list", "error") in found(r) and "amount_without_category" not in rules(r)


def test_licence_suspension_needs_the_licence_name(validator):
    r = run(validator, "penalty", CF_CFLB="吊销许可证件", CF_NR_FK=None)
    assert ("CF_NR_ZKDX", "required_if", "error") in found(r)


# -- check digits --------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["91110000600037341L", "121200004013590816", "91310115MA1K3BTP2B",
                                  "9144030071526726XG", "91620105L015101280", "91350100M000100Y43"])
def test_valid_uscc_test_vectors(validator, code):
    # 121200004013590816 is an institution (事业单位) code: valid, no finding for a 法人及非法人组织.
    assert run(validator, "penalty", CF_XDR_SHXYM=code).findings == []


def test_letter_led_uscc_is_accepted(validator):
    code = factories.fix_uscc("N2361100" + "12345678" + factories.org_check("12345678"))
    assert run(validator, "penalty", CF_XDR_SHXYM=code).ok


def test_invalid_uscc(validator):
    r = run(validator, "penalty", CF_XDR_SHXYM="91110000600037341N")
    assert ("CF_XDR_SHXYM", "uscc_checksum", "error") in found(r)
    r = run(validator, "penalty", CF_XDR_SHXYM="9111000O600037341L")
    assert ("CF_XDR_SHXYM", "uscc_charset", "error") in found(r)
    assert "是否应为“0”" in r.findings[0].message
    r = run(validator, "penalty", CF_XDR_SHXYM="9111000060003734")
    assert ("CF_XDR_SHXYM", "uscc_length", "error") in found(r)
    # Check character right, embedded organisation code wrong.
    r = run(validator, "penalty", CF_XDR_SHXYM=factories.fix_uscc("91361100123456780"))
    assert ("CF_XDR_SHXYM", "uscc_org_code", "error") in found(r)


@pytest.mark.parametrize("number", ["360426199101010071", "44011320141005001X", "44011320141005001x",
                                    "110102199101010078", "361102198001010014"])
def test_valid_id_numbers(validator, number):
    assert run(validator, "penalty", **_person(CF_XDR_ZJHM=number)).findings == []


def test_invalid_id_numbers_never_show_the_number(validator):
    r = run(validator, "penalty", **_person(CF_XDR_ZJHM="36042619910102009X"))
    assert ("CF_XDR_ZJHM", "id_checksum", "error") in found(r)
    r = run(validator, "penalty", **_person(CF_XDR_ZJHM="360426199113010079"))
    assert ("CF_XDR_ZJHM", "id_birth_date", "error") in found(r)
    r2 = run(validator, "penalty", **_person(CF_XDR_ZJHM="3604261991"))
    assert ("CF_XDR_ZJHM", "id_format", "error") in found(r2)
    for f in r.findings + r2.findings:
        assert "360426" not in f.message


def test_legacy_15_digit_id_is_a_warning(validator):
    r = run(validator, "penalty", **_person(CF_XDR_ZJHM="360426910101007"))
    assert ("CF_XDR_ZJHM", "id_legacy_15", "warning") in found(r) and r.ok


def test_org_code_checksum_error(validator):
    r = run(validator, "penalty", CF_XDR_ZZJG="60003734-2")
    assert ("CF_XDR_ZZJG", "org_code_checksum", "error") in found(r)


def test_registration_number_charset_is_a_warning(validator):
    r = run(validator, "penalty", CF_XDR_GSZC="3611#02")
    assert ("CF_XDR_GSZC", "reg_number_format", "warning") in found(r) and r.ok


# -- enforcement term and status ------------------------------------------------------------------

def test_enforcement_term_30_days_is_fine_31_is_a_warning(validator):
    # 2024-05-06 + 30 days = 2024-06-05, a Wednesday: no extension.
    assert run(validator, "enforcement", QZ_JDRQ="2024-05-06", QZ_QXZ="2024-05-06", QZ_QXZI="2024-06-05").ok
    r = run(validator, "enforcement", QZ_JDRQ="2024-05-06", QZ_QXZ="2024-05-06", QZ_QXZI="2024-06-06")
    assert ("QZ_QXZI", "enforcement_term_long", "warning") in found(r) and r.ok
    assert "31 日" in next(f.message for f in r.findings if f.rule == "enforcement_term_long")


def test_day_30_on_a_sunday_moves_the_limit_to_monday(validator):
    # 2024-03-01 to 2024-03-31 is 30 days (domain.md §5); day 30 is a Sunday, so 04-01 is still allowed.
    r = run(validator, "enforcement", QZ_JDRQ="2024-03-01", QZ_QXZ="2024-03-01", QZ_QXZI="2024-04-01")
    assert "enforcement_term_long" not in rules(r)
    r = run(validator, "enforcement", QZ_JDRQ="2024-03-01", QZ_QXZ="2024-03-01", QZ_QXZI="2024-04-02")
    assert ("QZ_QXZI", "enforcement_term_long", "warning") in found(r)


def test_enforcement_term_limit_moves_to_next_working_day(validator):
    # 2024-09-01 + 30 days = 2024-10-01 (国庆): the limit moves to 2024-10-08.
    ok = run(validator, "enforcement", QZ_JDRQ="2024-09-01", QZ_QXZ="2024-09-01", QZ_QXZI="2024-10-08")
    assert "enforcement_term_long" not in rules(ok)
    late = run(validator, "enforcement", QZ_JDRQ="2024-09-01", QZ_QXZ="2024-09-01", QZ_QXZI="2024-10-09")
    assert ("QZ_QXZI", "enforcement_term_long", "warning") in found(late)


def test_enforcement_term_over_60_days_is_an_error(validator):
    r = run(validator, "enforcement", QZ_JDRQ="2024-03-01", QZ_QXZ="2024-03-01", QZ_QXZI="2024-05-10")
    assert ("QZ_QXZI", "enforcement_term_max", "error") in found(r)
    assert run(validator, "enforcement", QZ_JDRQ="2024-03-01", QZ_QXZ="2024-03-01", QZ_QXZI="2024-04-30").ok


def test_enforcement_term_in_an_uncovered_year_says_the_calendar_is_missing(validator):
    r = run(validator, "enforcement", QZ_JDRQ="2026-11-20", QZ_QXZ="2026-12-20", QZ_QXZI="2027-01-20")
    msg = next(f.message for f in r.findings if f.rule == "enforcement_term_long")
    assert "2027年工作日历缺失" in msg


def test_enforcement_term_dates_expected_for_seizure(validator):
    r = run(validator, "enforcement", QZ_QXZI=None)
    assert ("QZ_QXZI", "enforcement_term_dates", "warning") in found(r)
    r = run(validator, "enforcement", QZ_QXZ=None)
    assert ("QZ_QXZ", "enforcement_term_dates", "warning") in found(r)
    r = run(validator, "enforcement", QZ_LB="行政强制执行", QZ_FS="代履行", QZ_QXZ=None, QZ_QXZI=None)
    assert r.findings == []
    r = run(validator, "enforcement", QZ_FS="冻结存款、汇款", QZ_QXZ=None)
    assert ("QZ_QXZ", "enforcement_term_dates", "warning") in found(r)


def test_enforcement_dates_order_and_release(validator):
    assert ("QZ_QXZI", "date_order", "error") in found(run(validator, "enforcement", QZ_QXZI="2026-11-01"))
    assert ("QZ_JCRQ", "required_if", "error") in found(run(validator, "enforcement", QZ_ZT="2"))
    assert run(validator, "enforcement", QZ_ZT="2", QZ_JCRQ="2026-11-20").ok
    assert ("QZ_JCRQ", "not_used", "warning") in found(run(validator, "enforcement", QZ_ZT="3", QZ_JCRQ="2026-11-20"))
    assert ("QZ_JCRQ", "date_order", "error") in found(run(validator, "enforcement", QZ_ZT="2", QZ_JCRQ="2026-11-01"))
    assert ("QZ_JCRQ", "date_future", "error") in found(run(validator, "enforcement", QZ_ZT="2", QZ_JCRQ="2026-12-01"))
    r = run(validator, "enforcement", QZ_ZT="1")  # 强制期限至 2026-12-02 is not yet past
    assert "status_outdated" not in rules(r)
    r = run(validator, "enforcement", QZ_ZT="1", QZ_JDRQ="2026-10-01", QZ_QXZ="2026-10-01", QZ_QXZI="2026-10-20")
    assert ("QZ_ZT", "status_outdated", "warning") in found(r)


# -- personal data in free text -------------------------------------------------------------------------

@pytest.mark.parametrize("text, rule", [
    ("当事人王某（身份证号360426199101010071）销售", "pii_id_number"),
    ("联系电话13912345678", "pii_phone"),
    ("罚没款退回至6222 0212 3456 7890 128", "pii_bank_card"),
])
def test_personal_data_in_free_text_is_a_warning(validator, text, rule):
    r = run(validator, "penalty", CF_SY=text)
    assert ("CF_SY", rule, "warning") in found(r) and r.ok
    assert "360426199101010071" not in "".join(f.message for f in r.findings)


def test_a_uscc_in_free_text_is_not_personal_data(validator):
    assert run(validator, "penalty", CF_SY="当事人（统一社会信用代码91110000600037341L）").findings == []


# -- duplicates (domain.md §14) -------------------------------------------------------------------------

def test_same_document_number_and_subject_twice_is_an_error(validator):
    a = factories.penalty(random.Random(1), 15)
    b = dict(a, CF_WSH="饶市监罚[2026]15 号")  # bracket variant and a space: the same number
    results = validator.check_batch([("penalty", a), ("penalty", b)], today=TODAY)
    assert results[0].findings == []
    assert ("CF_WSH", "duplicate_record", "error") in found(results[1])


def test_same_document_number_other_subject_is_a_warning(validator):
    a = factories.penalty(random.Random(1), 15)
    b = factories.penalty(random.Random(2), 15)
    results = validator.check_batch([("penalty", a), ("penalty", b)], today=TODAY)
    assert ("CF_WSH", "duplicate_doc_number", "warning") in found(results[1]) and results[1].ok


def test_same_number_in_another_kind_is_no_duplicate(validator):
    a = factories.penalty(random.Random(1), 15)
    b = factories.enforcement(random.Random(1), 15, QZ_WSH=a["CF_WSH"])
    results = validator.check_batch([("penalty", a), ("enforcement", b)], today=TODAY)
    assert results[1].findings == []


# -- findings carry what the user needs ---------------------------------------------------------------

def test_every_finding_names_its_field_label(validator):
    r = run(validator, "penalty", CF_XDR_SHXYM="91110000600037341N", CF_NR_FK="abc", CF_JDRQ="x")
    labels = {f.code: f.label for f in default_catalog().kind("penalty").fields}
    for f in r.findings:
        assert f.severity in ("error", "warning")
        assert f.rule and f.rule.isascii()
        assert labels[f.field] in f.message


def test_severity_overrides_from_the_catalog():
    import copy

    from app.catalog import parse_catalog
    from app.workdays.calendar import WorkCalendar

    doc = copy.deepcopy(default_catalog().document)
    doc["settings"]["severity_overrides"] = {"uscc_prefix": "error"}
    v = Validator(parse_catalog(doc), WorkCalendar([]))
    r = v.check("penalty", factories.penalty(random.Random(5), 1, CF_XDR_LB="个体工商户"), TODAY)
    assert ("CF_XDR_LB", "uscc_prefix", "error") in found(r) and not r.ok


def test_fast_nfkc_equals_unicodedata_nfkc():
    import unicodedata

    from hypothesis import given, settings
    from hypothesis import strategies as hst

    from app.validation.normalize import nfkc

    samples = ["经查，当事人（个体）罚款２０００元。", "ｅ\u0301", "e\u0301", "①②㎡ｶﾞ", "\u3000ＡＢＣ\u00a0", "한국어 ﾊﾝｸﾞﾙ",
               "ﬁ ﬂ ℌ ¼", "\U0001d400\U0001d401", "ā\u0301\u0323"]
    for s in samples:
        assert nfkc(s) == unicodedata.normalize("NFKC", s), s

    @settings(max_examples=500, deadline=None)
    @given(hst.text(max_size=40))
    def same(s):
        assert nfkc(s) == unicodedata.normalize("NFKC", s)

    same()

    # Long texts with the full-width punctuation the quick path replaces first, next to combining
    # marks, compatibility characters and Hangul that the later steps must still get right.
    tricky = hst.sampled_from(list("，（）：；！？。、") + ["́", "̣", "゙", "ｶ", "ﾞ", "Ａ", "①", "ā", "가",
                                                       "ᄀ", "ᅡ", "中", "a", " ", "　"])

    @settings(max_examples=500, deadline=None)
    @given(hst.lists(tricky | hst.characters(), min_size=16, max_size=80).map("".join))
    def same_long(s):
        assert nfkc(s) == unicodedata.normalize("NFKC", s)

    same_long()


def test_identifiers_normalise_to_themselves():
    """Found by the fuzz test: NFKC turns "´" into a space and a combining accent; dropping the space
    joined the accent to the letter before it, so a second pass composed "Á" — a stored value that
    would change on the next check."""
    from app.validation.normalize import clean, identifier

    for raw in ["A´", "9136 ´1100", "a\u3000\u0301b", "x-\u0301"]:
        once = identifier(clean(raw))
        assert identifier(clean(once)) == once, raw
