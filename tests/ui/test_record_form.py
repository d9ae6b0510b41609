"""The catalog-driven record form: create → validate → ready, live findings, category rules,
platform reasons, read-only states with amend and withdraw, the audit history."""

from __future__ import annotations

import random
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QGroupBox

from app.platform.blacklist import apply_page
from app.queue import states as st
from tests import factories
from tests.ui.test_queue_model import add, simulate_platform
from ui.record_form import RecordForm
from ui.widgets.date_field import DateField
from ui.widgets.field_editors import AmountField, CodeCombo, MultiCodes, TextField

DEPARTMENT = "上饶市市场监督管理局"


@pytest.fixture
def department(ctx):
    ctx.settings.department_name = DEPARTMENT
    ctx.settings.department_uscc = factories.AUTHORITY_USCC
    return ctx


def open_form(qtbot, ctx, **kw) -> RecordForm:
    form = RecordForm(ctx, **kw)
    # Closing a form with unsaved changes asks first; the test's clean-up closes without asking.
    qtbot.addWidget(form, before_close_func=lambda w: setattr(w, "dirty", False))
    return form


def fill(form: RecordForm, values: dict[str, str]) -> None:
    for code, value in values.items():
        form.rows[code].editor.set_value(value)


def penalty_values(n: int = 1, **over) -> dict[str, str]:
    values = factories.record("penalty", random.Random(n), n, **over)
    for code in ("CF_CFJG", "CF_CFJGDM", "CF_SJLY", "CF_SJLYDM"):
        values.pop(code)  # these come from the department defaults
    return values


def test_sections_widgets_and_defaults_come_from_the_catalog(qtbot, department):
    form = open_form(qtbot, department, kind_id="penalty")
    kind = department.catalogs.active().kinds["penalty"]
    assert [t.text() for t in form.section_titles] == [label for _id, label in kind.sections]
    assert len(form.findChildren(QGroupBox)) == len(kind.sections)
    assert isinstance(form.rows["CF_JDRQ"].editor, DateField)
    assert isinstance(form.rows["CF_XDR_LB"].editor, CodeCombo)
    assert isinstance(form.rows["CF_CFLB"].editor, MultiCodes)
    assert isinstance(form.rows["CF_SY"].editor, TextField)
    assert isinstance(form.rows["CF_NR_FK"].editor, AmountField)
    assert "*" in form.rows["CF_XDR_MC"].label.text()
    assert "*" not in form.rows["BZ"].label.text()
    assert form.rows["CF_CFJG"].editor.value() == DEPARTMENT
    assert form.rows["CF_SJLYDM"].editor.value() == factories.AUTHORITY_USCC
    date_edit = form.rows["CF_JDRQ"].editor.edit
    assert date_edit.calendarPopup() and date_edit.locale().name() == "zh_CN"
    form.rows["CF_JDRQ"].editor.set_value("2026-11-26")
    assert date_edit.text() == "2026年11月26日"


def test_create_validate_and_save_as_ready(qtbot, department):
    form = open_form(qtbot, department, kind_id="penalty")
    saved = []
    form.saved.connect(saved.append)
    fill(form, penalty_values(1))
    result = form.validate_now()
    assert result.errors == 0, result.findings
    assert "没有" in form.summary.text()
    assert "报送截止日：2026年12月1日" in form.deadline_banner.text()  # decided 2026-11-20
    assert "剩 3 个工作日" in form.deadline_banner.text()
    with qtbot.waitSignal(form.accepted):
        form.ready_button.click()
    rec = department.queue.get(saved[0])
    assert rec.state == st.READY and rec.fields["CF_CFJG"] == DEPARTMENT


def test_findings_appear_beside_the_field_as_the_clerk_types(qtbot, department):
    form = open_form(qtbot, department, kind_id="penalty")
    fill(form, penalty_values(2))
    form.validate_now()
    row = form.rows["CF_XDR_SHXYM"]
    assert row.message.isHidden()
    row.editor.setText("91361100ABCDEFGHIJ")  # typed: checked after a short pause
    qtbot.waitUntil(lambda: not row.message.isHidden(), timeout=2000)
    assert "统一社会信用代码" in row.message.text() and row.worst == "error"
    assert "错误" in form.summary.text()
    row.editor.setText(factories.uscc(random.Random(9)))
    qtbot.waitUntil(lambda: row.message.isHidden(), timeout=2000)


def test_saving_with_errors_keeps_a_draft_and_stays_open(qtbot, department):
    form = open_form(qtbot, department, kind_id="penalty")
    fill(form, penalty_values(3, CF_WSH=None))
    assert form.save(ready=True) is False
    assert form.isVisible() or not form.result.ok
    rec = department.queue.get(form.client_id)
    assert rec.state == st.DRAFT
    assert "还有 1 处错误" in form.status_banner.text()
    assert not form.rows["CF_WSH"].message.isHidden()


def test_save_as_draft_keeps_a_valid_record_a_draft(qtbot, department):
    form = open_form(qtbot, department, kind_id="penalty")
    fill(form, penalty_values(4))
    assert form.save(ready=False)
    assert department.queue.get(form.client_id).state == st.DRAFT


def test_ctrl_s_saves_as_ready(qtbot, department):
    form = open_form(qtbot, department, kind_id="penalty")
    fill(form, penalty_values(5))
    assert form.save_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Save)
    with qtbot.waitActive(form):
        form.show()
        form.activateWindow()
    name = form.rows["CF_XDR_MC"].editor
    name.setFocus()
    with qtbot.waitSignal(form.saved):
        qtbot.keyClick(name, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert department.queue.get(form.client_id).state == st.READY


def test_category_disables_fields_the_catalog_rules_out(qtbot, department):
    form = open_form(qtbot, department, kind_id="penalty")
    uscc, id_type, id_number = (form.rows[c] for c in ("CF_XDR_SHXYM", "CF_XDR_ZJLX", "CF_XDR_ZJHM"))
    form.rows["CF_XDR_LB"].editor.set_value("自然人")
    assert not uscc.editor.isEnabled() and not form.rows["CF_FRDB"].editor.isEnabled()
    assert "*" in id_type.label.text() and "*" in id_number.label.text()
    assert id_number.editor.isEnabled()
    form.rows["CF_XDR_LB"].editor.set_value("法人及非法人组织")
    assert uscc.editor.isEnabled() and "*" in uscc.label.text()
    assert "*" not in id_number.label.text()
    # A value the category rules out stays editable, with the error, so the clerk can delete it.
    uscc.editor.set_value(factories.uscc(random.Random(1)))
    form.rows["CF_XDR_LB"].editor.set_value("自然人")
    assert uscc.editor.isEnabled()
    assert uscc.worst == "error"


def test_code_list_chosen_by_another_field_and_other_entries(qtbot, ctx):
    form = open_form(qtbot, ctx, kind_id="enforcement")
    ways = form.rows["QZ_FS"].editor
    form.rows["QZ_LB"].editor.set_value("行政强制措施")
    assert "扣押财物" in ways.boxes
    form.rows["QZ_LB"].editor.set_value("行政强制执行")
    assert "代履行" in ways.boxes and "扣押财物" not in ways.boxes
    ways.boxes["代履行"].setChecked(True)
    ways.other.setText("其他-强制拆除")
    assert ways.value() == "代履行;其他-强制拆除"
    combo = form.rows["QZ_XDR_ZJLX"].editor
    combo.set_value("其他-军官证")
    assert combo.value() == "其他-军官证"
    combo.set_value("身份证")
    assert combo.value() == "身份证"


def test_amount_in_yuan_is_converted_by_the_core(qtbot, ctx):
    form = open_form(qtbot, ctx, kind_id="penalty")
    amount = form.rows["CF_NR_FK"].editor
    assert amount.set_yuan("2000") == "0.2"
    assert amount.value() == "0.2" and amount.unit.text() == "万元"


def test_returned_record_shows_the_platform_reasons_beside_fields(qtbot, ctx):
    cid = add(ctx, "penalty", 6)
    simulate_platform(ctx, cid, st.RETURNED, [
        {"field": "CF_WSH", "code": "doc_format", "message": "文书号与决定书不一致"},
        {"field": None, "code": "review", "message": "请补充处罚依据条款"}])
    form = open_form(qtbot, ctx, client_id=cid)
    assert "文书号与决定书不一致" in form.rows["CF_WSH"].platform.text()
    assert not form.rows["CF_WSH"].platform.isHidden()
    assert "平台退回原因" in form.platform_banner.text() and "请补充处罚依据条款" in form.platform_banner.text()
    assert form.ready_button.isVisibleTo(form)  # a returned record is fixed in place
    form.rows["CF_WSH"].editor.set_value("饶市监罚〔2026〕6-1号")
    assert form.save(ready=True)
    assert ctx.queue.get(cid).state == st.READY


def test_accepted_record_is_read_only_until_amended(qtbot, ctx):
    cid = add(ctx, "penalty", 7)
    simulate_platform(ctx, cid, st.ACCEPTED, received="2026-11-23T09:00:00+08:00")
    form = open_form(qtbot, ctx, client_id=cid)
    name = form.rows["CF_XDR_MC"].editor
    assert name.isReadOnly() and not form.ready_button.isVisibleTo(form)
    assert form.amend_button.isVisibleTo(form) and not form.save_action.isEnabled()
    assert "按时" in form.deadline_banner.text()
    form.amend()
    assert not name.isReadOnly()
    name.set_value("上饶市信州区更正后名称有限公司")
    assert form.save(ready=True)
    rec = ctx.queue.get(cid)
    assert rec.state == st.READY and rec.revision == 2 and rec.pending_action == "update"


def test_withdraw_needs_a_reason(qtbot, ctx):
    cid = add(ctx, "license", 8)
    form = open_form(qtbot, ctx, client_id=cid)
    assert form.withdraw_button.isVisibleTo(form)
    assert form.withdraw("  ") is False
    assert "撤销原因" in form.status_banner.text()
    assert form.withdraw("重复录入")
    assert ctx.queue.get(cid).state == st.WITHDRAWN
    assert not form.withdraw_button.isVisibleTo(form) and not form.ready_button.isVisibleTo(form)


def test_history_tab_lists_the_audit_trail(qtbot, ctx):
    cid = add(ctx, "penalty", 9)
    values = dict(ctx.queue.get(cid).fields, CF_XDR_MC="上饶市信州区改名有限公司")
    ctx.queue.edit(cid, values)
    form = open_form(qtbot, ctx, client_id=cid)
    assert form.tabs.tabText(1) == "修改记录"
    table = form.history
    assert table.rowCount() == 2
    assert table.item(0, 2).text() == "新建" and table.item(1, 2).text() == "修改"
    assert "上饶市信州区改名有限公司" in table.item(1, 4).text()


def test_subject_on_the_serious_dishonesty_list_shows_a_banner(qtbot, department):
    values = penalty_values(10)
    apply_page(department.store, [{"entry_id": "SX-1", "subject_name": values["CF_XDR_MC"],
                                   "uscc": values["CF_XDR_SHXYM"], "list_name": "严重失信主体名单",
                                   "listed_on": "2026-03-02"}], "c1", date(2026, 11, 26))
    department.reload_blacklist()
    form = open_form(qtbot, department, kind_id="penalty")
    fill(form, values)
    form.validate_now()
    assert not form.blacklist_banner.isHidden()
    assert "严重失信主体名单" in form.blacklist_banner.text() and "SX-1" in form.blacklist_banner.text()
    form.rows["CF_XDR_SHXYM"].editor.set_value(factories.uscc(random.Random(99)))
    form.rows["CF_XDR_MC"].editor.set_value("上饶市另一家有限公司")
    form.validate_now()
    assert form.blacklist_banner.isHidden()


def test_personal_id_is_shown_in_full_only_in_the_form(qtbot, ctx):
    person = factories.subject("CF", random.Random(5), "自然人")
    fields = factories.record("penalty", random.Random(5), 5, CF_XDR_SHXYM=None, CF_FRDB=None)
    fields.update(person)
    cid = ctx.queue.add([("penalty", fields)])[0].client_id
    form = open_form(qtbot, ctx, client_id=cid)
    assert form.rows["CF_XDR_ZJHM"].editor.value() == person["CF_XDR_ZJHM"]
