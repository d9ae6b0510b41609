"""The record form: a dialog generated from the catalog for one record kind.

Sections, labels, editors, required marks, which fields apply to the chosen 行政相对人类别, and
which code list a field offers all come from the catalog; the checks are the core validator's,
run as the clerk types; saving, amending and withdrawing are QueueService calls. Nothing here
decides whether a record is right.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QSettings, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.catalog.model import Kind
from app.errors import UserError
from app.queue import states as st
from app.validation.conditions import compile_condition
from app.validation.engine import CheckResult
from app.validation.fields import iso_date
from app.validation.findings import ERROR, WARNING, Finding
from app.workdays.deadline import countdown, deadline_for, timeliness
from ui.widgets.banner import Banner
from ui.widgets.field_editors import code_list_of, make_editor
from ui.widgets.field_row import LABEL_WIDTH_EM, FieldRow
from ui.widgets.formatting import cn_date, cn_datetime, countdown_text, platform_items
from ui.widgets.history import HistoryTable

log = logging.getLogger(__name__)

BLACKLIST_RULES = ("blacklist_hit", "blacklist_name_only")
READ_ONLY_STATES = (st.SENDING, st.ACCEPTED, st.WITHDRAWN)
DEBOUNCE_MS = 300
IMMEDIATE_TYPES = ("D", "E", "M")  # a pick, not typing: checked at once


def _always(_fields: dict) -> bool:
    return True


class CatalogRules:
    """What the catalog's record rules say about the form, read once per kind: fields that must be
    empty (the validator would call them an error) or become required under a condition."""

    def __init__(self, kind: Kind, overrides: dict[str, str]):
        self.must_be_empty: dict[str, list[Callable]] = {}
        self.required_when: dict[str, list[Callable]] = {}
        self.triggers: set[str] = set()  # fields whose value changes the form's shape
        for rule in kind.rules:
            if rule["type"] not in ("empty", "required"):
                continue
            cond = compile_condition(rule["when"]) if "when" in rule else _always
            self.triggers |= _fields_of(rule.get("when", {}))
            if rule["type"] == "required":
                self.required_when.setdefault(rule["field"], []).append(cond)
                continue
            severity = rule.get("severity", ERROR)
            rule_id = rule.get("rule_id", "must_be_empty" if severity == ERROR else "not_used")
            if overrides.get(rule_id, severity) == ERROR:
                self.must_be_empty.setdefault(rule["field"], []).append(cond)
        for f in kind.fields:
            if f.code_list_by:
                self.triggers.add(f.code_list_by[0])

    def empty_now(self, code: str, fields: dict) -> bool:
        return any(cond(fields) for cond in self.must_be_empty.get(code, ()))

    def required_now(self, code: str, fields: dict) -> bool:
        return any(cond(fields) for cond in self.required_when.get(code, ()))


def _fields_of(cond: dict) -> set[str]:
    if "all" in cond or "any" in cond:
        return {c for sub in cond.get("all", cond.get("any", [])) for c in _fields_of(sub)}
    return {cond["field"]} if "field" in cond else set()


class RecordForm(QDialog):
    saved = Signal(str)  # client_id, after any change written through the queue

    def __init__(self, ctx, kind_id: str | None = None, client_id: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.catalog = ctx.catalogs.active()
        self.client_id = client_id
        self.record = ctx.queue.get(client_id) if client_id else None
        self.kind: Kind = self.catalog.kinds[self.record.kind if self.record else kind_id]
        self.rules = CatalogRules(self.kind, self.catalog.severity_overrides)
        self.rows: dict[str, FieldRow] = {}
        self.section_titles: list[QLabel] = []
        self.result: CheckResult | None = None
        self.dirty = False
        self._editable = True
        self._loading = False
        self._shaping = False
        self.setWindowTitle(self._title())
        self.setSizeGripEnabled(True)
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.validate_now)
        self._build()
        self._load()

    # -- building ------------------------------------------------------------------------------------
    def _title(self) -> str:
        if self.record is None:
            return self.tr("%s — 新建记录") % self.kind.label
        return self.tr("%s — %s") % (self.kind.label, self.record.doc_number or self.record.subject_name or "")

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.heading.setFont(font)
        outer.addWidget(self.heading)
        self.deadline_banner = Banner(self)
        self.blacklist_banner = Banner(self)
        self.platform_banner = Banner(self)
        self.record_banner = Banner(self)  # findings about the whole record
        self.status_banner = Banner(self)  # what saving did
        for banner in (self.deadline_banner, self.blacklist_banner, self.platform_banner, self.record_banner,
                       self.status_banner):
            outer.addWidget(banner)
        self.tabs = QTabWidget(self)
        outer.addWidget(self.tabs, 1)
        self.tabs.addTab(self._fields_page(), self.tr("记录内容"))
        self.history: HistoryTable | None = None  # a tab once the record exists
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        outer.addWidget(self.summary)
        outer.addLayout(self._buttons())

    def _fields_page(self) -> QWidget:
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        page = QWidget(scroll)
        column = QVBoxLayout(page)
        sections = dict(self.kind.sections)
        groups: dict[str, QFormLayout] = {}
        for f in self.kind.fields:
            section = f.section if f.section in sections else ""
            form = groups.get(section)
            if form is None:
                title = QLabel(sections.get(section, self.tr("其他")), page)
                font = title.font()
                font.setBold(True)
                title.setFont(font)  # on the label only: a bold group box would make every field bold
                self.section_titles.append(title)
                column.addWidget(title)
                box = QGroupBox(page)
                form = groups[section] = QFormLayout(box)
                form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
                form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
                column.addWidget(box)
            editor = make_editor(self.catalog, f, self._convert_yuan_for(f.code), page)
            row = FieldRow(f, editor, page)
            editor.setObjectName(f.code)
            editor.changed.connect(lambda code=f.code: self._edited(code))
            form.addRow(row.label, row.box)
            self.rows[f.code] = row
        column.addStretch(1)
        scroll.setWidget(page)
        self._align_labels()
        return scroll

    def _align_labels(self) -> None:
        """One label column for every section, as wide as the longest label up to a limit: a
        word-wrapping label left to itself breaks even short texts in two."""
        em = self.fontMetrics().horizontalAdvance("字")
        limit = em * LABEL_WIDTH_EM
        natural = max(row.label.fontMetrics().horizontalAdvance(row.field.label + " *") for row in self.rows.values())
        width = min(natural + em // 2, limit)
        for row in self.rows.values():
            row.label.setMinimumWidth(width)
            row.label.setMaximumWidth(width)

    def _buttons(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.amend_button = QPushButton(self.tr("更正"), self)
        self.amend_button.setToolTip(self.tr("修改已报送的记录：保存后作为新版本重新报送"))
        self.amend_button.clicked.connect(self.amend)
        self.withdraw_button = QPushButton(self.tr("撤销…"), self)
        self.withdraw_button.setToolTip(self.tr("撤销这条记录（须填写原因）"))
        self.withdraw_button.clicked.connect(lambda: self.withdraw())
        self.close_button = QPushButton(self.tr("关闭"), self)
        self.close_button.clicked.connect(self.reject)
        self.draft_button = QPushButton(self.tr("保存为草稿"), self)
        self.draft_button.clicked.connect(lambda: self.save(ready=False))
        self.ready_button = QPushButton(self.tr("保存为待报送"), self)
        self.ready_button.setToolTip(self.tr("保存并加入待报送（Ctrl+S）"))
        self.ready_button.clicked.connect(lambda: self.save(ready=True))
        for b in (self.amend_button, self.withdraw_button, self.close_button, self.draft_button, self.ready_button):
            b.setAutoDefault(False)  # Enter in a field must never save the record by surprise
        bar.addWidget(self.amend_button)
        bar.addWidget(self.withdraw_button)
        bar.addStretch(1)
        bar.addWidget(self.close_button)
        bar.addWidget(self.draft_button)
        bar.addWidget(self.ready_button)
        self.save_action = QAction(self.tr("保存为待报送"), self)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.triggered.connect(lambda: self.save(ready=True) if self._editable else None)
        self.addAction(self.save_action)
        return bar

    def _convert_yuan_for(self, code: str) -> Callable[[str], str]:
        def convert(text: str) -> str:
            # The core's normaliser converts "…元" to the field's unit exactly as an import would.
            kv = self.ctx.queue.validator.for_kind(self.kind.id)
            return kv.normalizer.value(self.kind.field(code), f"{text}元", [])
        return convert

    # -- loading -------------------------------------------------------------------------------------
    def _load(self) -> None:
        self._loading = True
        if self.record is None:
            values = {f.code: getattr(self.ctx.settings, f.default_from, "") or ""
                      for f in self.kind.fields if f.default_from}
        else:
            values = dict(self.record.fields or {})
        # A list chosen by another field needs that field first, then its own value.
        self.validate_now(values)
        for code, row in self.rows.items():
            row.editor.set_value(values.get(code, ""))
        self._loading = False
        self.dirty = False
        self.validate_now()
        self._show_record()

    def _show_record(self) -> None:
        rec = self.record
        if rec is None:
            self.heading.setText(self.tr("新建%s记录") % self.kind.label)
            self._set_editable(True)
            return
        state = st.LABELS.get(rec.state, rec.state)
        self.heading.setText(self.tr("%s · %s · 状态：%s") % (self.kind.label, rec.subject_name or "", state))
        self.setWindowTitle(self._title())
        self._show_platform(rec.platform_message)
        if self.history is None:
            self.history = HistoryTable(self)
            self.tabs.addTab(self.history, self.tr("修改记录"))
        self.history.set_events(self.kind, self.ctx.queue.history(rec.client_id))
        self._set_editable(rec.state not in READ_ONLY_STATES)

    def _show_platform(self, message) -> None:
        by_field: dict[str, list[str]] = {}
        general: list[str] = []
        for code, text in platform_items(message):
            if code in self.rows:
                by_field.setdefault(code, []).append(text)
            else:
                general.append(f"{self.kind.label_of(code)}：{text}" if code else text)
        for code, row in self.rows.items():
            row.show_platform(by_field.get(code, []))
        if general or by_field:
            head = self.tr("平台退回原因") if self.record and self.record.state == st.RETURNED else self.tr("平台意见")
            lines = general or [self.tr("见下方标出的字段")]
            self.platform_banner.show_message(f"{head}：" + "；".join(lines), "platform")
        else:
            self.platform_banner.clear_message()

    def _set_editable(self, editable: bool) -> None:
        self._editable = editable
        state = self.record.state if self.record else None
        for row in self.rows.values():
            row.editor.set_read_only(not editable)
        self.draft_button.setVisible(editable)
        self.ready_button.setVisible(editable)
        self.save_action.setEnabled(editable)
        self.amend_button.setVisible(not editable and state in (st.SENDING, st.ACCEPTED))
        self.withdraw_button.setVisible(state is not None and state not in (st.WITHDRAWN, st.SENDING))
        if editable:
            self._apply_shape(self.result.fields if self.result else {})

    # -- live validation -----------------------------------------------------------------------------
    def raw_values(self) -> dict[str, str]:
        out = {}
        for code, row in self.rows.items():
            value = row.editor.value()
            if value and value.strip():
                out[code] = value
        return out

    def _edited(self, code: str) -> None:
        if self._loading:
            return
        self.dirty = True
        self.status_banner.clear_message()
        if self.kind.field(code).type in IMMEDIATE_TYPES or code in self.rules.triggers:
            self.validate_now()
        else:
            self._timer.start()

    def validate_now(self, values: dict[str, str] | None = None) -> CheckResult:
        """Check the form's values with the core validator and show the findings beside the fields."""
        self._timer.stop()
        result = self.ctx.queue.validator.check(self.kind.id, values if values is not None else self.raw_values())
        self.result = result
        self._apply_shape(result.fields)
        if values is not None:
            return result  # loading: the editors are not filled yet
        per_field: dict[str, list[Finding]] = {}
        general: list[Finding] = []
        listed: list[Finding] = []
        for f in result.findings:
            if f.rule in BLACKLIST_RULES:
                listed.append(f)
            elif f.field in self.rows:
                per_field.setdefault(f.field, []).append(f)
            else:
                general.append(f)
        for code, row in self.rows.items():
            row.show_findings(per_field.get(code, []))
        self._show_general(general)
        self._show_blacklist(listed)
        self._show_deadline(result.fields)
        self._show_summary(result)
        return result

    def _apply_shape(self, fields: dict[str, str]) -> None:
        """Fields the chosen category rules out are disabled (unless they still hold a value the clerk
        must delete), conditional requirements get their mark, dependent code lists follow."""
        if self._shaping:
            return  # a list swap below reports a change; the values it acts on are the same
        self._shaping = True
        try:
            self._shape(fields)
        finally:
            self._shaping = False

    def _shape(self, fields: dict[str, str]) -> None:
        for code, row in self.rows.items():
            f = row.field
            row.set_required(f.required or self.rules.required_now(code, fields))
            if f.code_list_by:
                row.editor.set_code_list(code_list_of(self.catalog, f, fields.get(f.code_list_by[0])))
            if not self._editable:
                continue
            ruled_out = self.rules.empty_now(code, fields) and not row.editor.value()
            row.editor.setEnabled(not ruled_out)
            row.label.setEnabled(not ruled_out)

    def _show_general(self, findings: list[Finding]) -> None:
        if not findings:
            self.record_banner.clear_message()
            return
        kind = ERROR if any(f.severity == ERROR for f in findings) else WARNING
        self.record_banner.show_message("\n".join(f.message for f in findings), kind)

    def _show_blacklist(self, findings: list[Finding]) -> None:
        if findings:
            self.blacklist_banner.show_message(self.tr("严重失信主体名单提示：") + "\n".join(f.message for f in findings),
                                               "error")
        else:
            self.blacklist_banner.clear_message()

    def _show_deadline(self, fields: dict[str, str]) -> None:
        label = self.kind.label_of(self.kind.decision_date_field)
        decided = iso_date(fields.get(self.kind.decision_date_field))
        if decided is None:
            self.deadline_banner.show_message(self.tr("填写「%s」后显示报送截止日。") % label, "info")
            return
        calendar = self.ctx.calendar
        deadline = deadline_for(calendar, decided, self.kind.deadline_days)
        if deadline is None:
            self.deadline_banner.show_message(
                self.tr("%d年的工作日历缺失，无法计算报送截止日，请同步或导入该年日历。") % decided.year, WARNING)
            return
        rec = self.record
        if rec is not None and (rec.accepted_revision or rec.first_received_at):
            judged = timeliness(deadline, rec.first_received_at)
            word = {"on_time": self.tr("按时"), "late": self.tr("迟报")}.get(judged or "", self.tr("无法判断是否按时"))
            self.deadline_banner.show_message(
                self.tr("报送截止日：%s；平台于 %s 接收，%s。") % (cn_date(deadline), cn_datetime(rec.first_received_at)
                                                               or self.tr("（时间未知）"), word),
                {"on_time": "info", "late": ERROR}.get(judged or "", "info"))
            return
        if rec is not None and rec.state == st.WITHDRAWN:
            self.deadline_banner.show_message(self.tr("记录已撤销，不再报送。"), "info")
            return
        cd = countdown(calendar, deadline, clock.today(), self.ctx.settings.due_soon_days)
        kind = {"overdue": ERROR, "due_today": WARNING, "due_soon": WARNING}.get(cd.band, "info")
        self.deadline_banner.show_message(
            self.tr("报送截止日：%s（%s起算 %d 个工作日），%s。") % (
                cn_date(deadline), cn_date(decided), self.kind.deadline_days, countdown_text(cd)), kind)

    def _show_summary(self, result: CheckResult) -> None:
        if result.errors:
            text = self.tr("还有 %d 处错误、%d 处提醒：改正错误后才能加入待报送。") % (result.errors, result.warnings)
        elif result.warnings:
            text = self.tr("没有错误，%d 处提醒请核对；可以保存为待报送。") % result.warnings
        else:
            text = self.tr("没有发现问题，可以保存为待报送。")
        self.summary.setText(text)

    # -- actions -------------------------------------------------------------------------------------
    def save(self, ready: bool) -> bool:
        """Write the form through the queue. Closes the form when the record is where the clerk
        asked it to be; stays open with the reason when it is not."""
        if not self._editable:
            return False
        raw = self.raw_values()
        try:
            if self.client_id is None:
                res = self.ctx.queue.add([(self.kind.id, raw)], source="form", ready=ready)[0]
                if res.client_id is None:
                    self.status_banner.show_message("\n".join(f.message for f in res.findings), ERROR)
                    return False
                self.client_id = res.client_id
            else:
                self.ctx.queue.edit(self.client_id, raw, ready=ready)
        except UserError as exc:
            self.status_banner.show_message(exc.message, ERROR)
            return False
        self.record = self.ctx.queue.get(self.client_id)
        self.dirty = False
        self.saved.emit(self.client_id)
        self.validate_now()
        self._show_record()
        state = self.record.state
        if ready and state not in (st.READY, st.SENDING):
            self.status_banner.show_message(
                self.tr("已保存为“%s”：还有 %d 处错误，改正后再点“保存为待报送”。") % (st.LABELS[state], self.record.error_count),
                WARNING)
            return False
        self.accept()
        return True

    def amend(self) -> None:
        """更正: the record becomes editable; saving goes through QueueService.edit, which makes the
        change a new revision sent as an update."""
        self._set_editable(True)
        self.status_banner.show_message(self.tr("正在更正：保存后作为新版本加入待报送，平台上的原版本在报送前保持不变。"),
                                        "info")

    def withdraw(self, reason: str | None = None) -> bool:
        if self.client_id is None:
            return False
        if reason is None:
            reason, ok = QInputDialog.getMultiLineText(self, self.tr("撤销记录"),
                                                       self.tr("撤销原因（必填，平台已接收的记录会把原因报送给平台）："))
            if not ok:
                return False
        try:
            new_state = self.ctx.queue.withdraw(self.client_id, reason)
        except UserError as exc:
            self.status_banner.show_message(exc.message, ERROR)
            return False
        self.record = self.ctx.queue.get(self.client_id)
        self.saved.emit(self.client_id)
        self._show_record()
        if new_state == st.WITHDRAWN:
            self.status_banner.show_message(self.tr("记录已撤销。"), "info")
        else:
            self.status_banner.show_message(self.tr("撤销申请已加入待报送，下次报送时通知平台。"), "info")
        return True

    def reject(self) -> None:
        if self.dirty and self._editable and not self._confirm_discard():
            return
        super().reject()

    def _confirm_discard(self) -> bool:
        answer = QMessageBox.question(self, self.tr("放弃修改"), self.tr("修改还没有保存，确定要关闭吗？"),
                                      QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                                      QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Discard

    # -- window size ---------------------------------------------------------------------------------
    def restore_size(self, settings: QSettings | None) -> None:
        geometry = settings.value("form/geometry") if settings is not None else None
        if geometry is None or not self.restoreGeometry(geometry):
            em = self.fontMetrics().horizontalAdvance("字")
            self.resize(em * 60, self.fontMetrics().lineSpacing() * 40)

    def save_size(self, settings: QSettings | None) -> None:
        if settings is not None:
            settings.setValue("form/geometry", self.saveGeometry())
