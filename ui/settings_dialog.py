"""设置: the platform account (login/logout), CA bundle and proxy, the department defaults, the
masking pattern and the reminders. Everything is saved through ctx.settings / ctx.save_settings();
the password never passes through here (the login dialog puts it in the keyring).

The 统一社会信用代码 is checked with the core's check-digit function; only the wording of its
problem is chosen here.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.privacy import mask_id
from app.validation.checkdigits import uscc_problem
from app.validation.normalize import identifier
from ui.login_dialog import FileLine, LoginDialog, has_saved_password, logout, open_login_over
from ui.widgets.banner import Banner

MASK_EXAMPLE = "361102199001011234"  # a made-up number, only to show the pattern


def _tr(text: str) -> str:
    return QCoreApplication.translate("SettingsDialog", text)


def uscc_message(text: str) -> str:
    """"" when the code is empty or valid, otherwise what is wrong with it, in Chinese."""
    code = identifier(text.strip())
    if not code:
        return ""
    problem = uscc_problem(code)
    if problem is None:
        return ""
    pid, details = problem
    if pid == "uscc_length":
        return _tr("统一社会信用代码应为 18 位，现为 %d 位。") % details.get("length", len(code))
    if pid == "uscc_charset":
        msg = _tr("第 %d 位“%s”不是统一社会信用代码使用的字符（代码中没有 I、O、S、V、Z）") % (
            details.get("position", 0), details.get("char", ""))
        if details.get("typo_of"):
            msg += _tr("，是否应为“%s”？") % details["typo_of"]
        return msg + _tr("。")
    if pid == "uscc_region":
        return _tr("第 3 至 8 位是行政区划代码，只能是数字。")
    if pid == "uscc_org_code":
        return _tr("第 9 至 17 位（组织机构代码部分）校验不通过，请逐位核对。")
    return _tr("校验位（第 18 位）不正确，可能抄错了其中一位，请对照证照逐位核对。")


class SettingsDialog(QDialog):
    saved = Signal()

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.login: LoginDialog | None = None
        st = ctx.settings
        self.setWindowTitle(self.tr("设置"))
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._platform_tab(st), self.tr("平台(&P)"))
        self.tabs.addTab(self._department_tab(st), self.tr("本单位(&D)"))
        self.tabs.addTab(self._reminder_tab(st), self.tr("提醒与显示(&R)"))
        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton(self.tr("保存"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.buttons)
        em = self.fontMetrics().horizontalAdvance("字")
        self.setMinimumWidth(em * 46)
        self._show_account()
        self._check_uscc()
        self._show_mask()

    # -- tabs ----------------------------------------------------------------------------------------
    def _platform_tab(self, st) -> QWidget:
        page = QWidget(self)
        self.url_label = QLabel(page)
        self.account_label = QLabel(page)
        for label in (self.url_label, self.account_label):
            # No word wrap: a wrapped label in a form row is cut to one line (an address has no breaks).
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.login_button = QPushButton(self.tr("登录…"), page)
        self.login_button.clicked.connect(self.open_login)
        self.logout_button = QPushButton(self.tr("退出登录"), page)
        self.logout_button.setToolTip(self.tr("从系统钥匙串删除平台密码"))
        self.logout_button.clicked.connect(self.logout)
        account_buttons = QHBoxLayout()
        account_buttons.addWidget(self.login_button)
        account_buttons.addWidget(self.logout_button)
        account_buttons.addStretch(1)
        self.ca_bundle = FileLine(st.ca_bundle, self.tr("证书文件 (*.pem *.crt *.cer);;所有文件 (*)"), page)
        self.ca_bundle.edit.setPlaceholderText(self.tr("不填：使用系统证书"))
        self.proxy = QLineEdit(st.proxy, page)
        self.proxy.setPlaceholderText(self.tr("不填：使用系统代理设置，例如 http://10.1.1.1:8080"))
        hint = QLabel(self.tr("政务外网使用内部证书或代理时才需要填写；不清楚时请咨询本单位信息科。"), page)
        hint.setWordWrap(True)
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(self.tr("平台地址："), self.url_label)
        form.addRow(self.tr("账号："), self.account_label)
        form.addRow("", account_buttons)
        form.addRow(self.tr("内部 CA 证书(&C)："), self.ca_bundle)
        form.addRow(self.tr("代理服务器(&X)："), self.proxy)
        form.addRow("", hint)
        return page

    def _department_tab(self, st) -> QWidget:
        page = QWidget(self)
        intro = QLabel(self.tr("新建记录时，“数据来源单位”和处罚、许可等“机关”的名称与代码会预先填入这里的值。"
                               "登录平台后会按平台账号自动更新。"), page)
        intro.setWordWrap(True)
        self.department_name = QLineEdit(st.department_name, page)
        self.department_name.setPlaceholderText(self.tr("例如 上饶市市场监督管理局"))
        self.department_uscc = QLineEdit(st.department_uscc, page)
        self.department_uscc.setPlaceholderText(self.tr("18 位统一社会信用代码"))
        self.department_uscc.textChanged.connect(self._check_uscc)
        self.uscc_banner = Banner(page)
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(intro)
        form.addRow(self.tr("单位名称(&N)："), self.department_name)
        form.addRow(self.tr("统一社会信用代码(&U)："), self.department_uscc)
        form.addRow("", self.uscc_banner)
        return page

    def _reminder_tab(self, st) -> QWidget:
        page = QWidget(self)
        self.due_soon = QSpinBox(page)
        self.due_soon.setRange(1, 7)
        self.due_soon.setValue(st.due_soon_days)
        self.due_soon.setSuffix(self.tr(" 个工作日"))
        self.interval = QSpinBox(page)
        self.interval.setRange(10, 24 * 60)
        self.interval.setSingleStep(10)
        self.interval.setValue(st.reminder_interval_minutes)
        self.interval.setSuffix(self.tr(" 分钟"))
        self.keep_head = QSpinBox(page)
        self.keep_head.setRange(0, 10)
        self.keep_head.setValue(st.mask_keep_head)
        self.keep_head.setSuffix(self.tr(" 位"))
        self.keep_tail = QSpinBox(page)
        self.keep_tail.setRange(0, 6)
        self.keep_tail.setValue(st.mask_keep_tail)
        self.keep_tail.setSuffix(self.tr(" 位"))
        for spin in (self.keep_head, self.keep_tail):
            spin.valueChanged.connect(self._show_mask)
        self.mask_example = QLabel(page)
        self.mask_example.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        due = QGroupBox(self.tr("到期提醒"), page)
        form = QFormLayout(due)
        form.addRow(self.tr("即将到期(&D)："), self._with_note(self.due_soon, self.tr("以内（含当天）算作“即将到期”并提醒"), due))
        form.addRow(self.tr("提醒间隔(&I)："), self._with_note(self.interval, self.tr("启动后提醒一次，之后每隔这么久再提醒"), due))
        mask = QGroupBox(self.tr("证件号码遮蔽（表格、导出和月报中）"), page)
        form = QFormLayout(mask)
        form.addRow(self.tr("保留前(&H)："), self._with_note(self.keep_head, "", mask))
        form.addRow(self.tr("保留后(&T)："), self._with_note(self.keep_tail, self.tr("其余用 * 代替"), mask))
        form.addRow(self.tr("显示效果："), self.mask_example)
        v = QVBoxLayout(page)
        v.addWidget(due)
        v.addWidget(mask)
        v.addStretch(1)
        return page

    @staticmethod
    def _with_note(widget: QWidget, note: str, parent: QWidget) -> QWidget:
        """A spin box at its natural width with a note after it; the mnemonic of the row reaches it."""
        box = QWidget(parent)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(widget)
        if note:
            row.addWidget(QLabel(note, box))
        row.addStretch(1)
        box.setFocusProxy(widget)
        return box

    # -- live feedback -------------------------------------------------------------------------------
    def _check_uscc(self) -> None:
        message = uscc_message(self.department_uscc.text())
        if message:
            self.uscc_banner.show_message(message, "error")
        else:
            self.uscc_banner.clear_message()
        self.ok_button.setEnabled(not message)
        self.ok_button.setToolTip(self.tr("请先改正“本单位”中的统一社会信用代码") if message else "")

    def _show_mask(self) -> None:
        self.mask_example.setText(mask_id(MASK_EXAMPLE, self.keep_head.value(), self.keep_tail.value()))

    def _show_account(self) -> None:
        st = self.ctx.settings
        self.url_label.setText(st.platform_url or self.tr("尚未设置"))
        if not st.username:
            self.account_label.setText(self.tr("尚未登录"))
        elif has_saved_password(self.ctx):
            dept = f"（{st.department_name}）" if st.department_name else ""
            self.account_label.setText(self.tr("已登录：%s%s") % (st.username, dept))
        else:
            self.account_label.setText(self.tr("%s（已退出，报送前需要重新登录）") % st.username)
        self.logout_button.setEnabled(bool(st.username) and has_saved_password(self.ctx))

    # -- account -------------------------------------------------------------------------------------
    def open_login(self) -> LoginDialog:
        self.login = open_login_over(self.ctx, self, self._logged_in, self._login_closed)
        return self.login

    def _login_closed(self, _result: int) -> None:
        self.login = None

    def _logged_in(self, _account) -> None:
        st = self.ctx.settings
        # The login filled these from the platform account; show them rather than the old values.
        self.department_name.setText(st.department_name)
        self.department_uscc.setText(st.department_uscc)
        self.ca_bundle.setText(st.ca_bundle)
        self.proxy.setText(st.proxy)
        self._show_account()

    def logout(self) -> None:
        logout(self.ctx)
        self._show_account()

    # -- saving --------------------------------------------------------------------------------------
    def save(self) -> None:
        if uscc_message(self.department_uscc.text()):
            self.tabs.setCurrentIndex(1)
            self.department_uscc.setFocus()
            return
        st = self.ctx.settings
        st.ca_bundle = self.ca_bundle.text()
        st.proxy = self.proxy.text().strip()
        st.department_name = self.department_name.text().strip()
        st.department_uscc = identifier(self.department_uscc.text().strip())
        st.due_soon_days = self.due_soon.value()
        st.reminder_interval_minutes = self.interval.value()
        st.mask_keep_head = self.keep_head.value()
        st.mask_keep_tail = self.keep_tail.value()
        self.ctx.save_settings()
        self.saved.emit()
        self.accept()


def open_settings(ctx, main_window) -> SettingsDialog:
    """The hook of 设置… (Ctrl+,): window-modal, without a nested event loop."""
    dialog = SettingsDialog(ctx, main_window)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)

    def saved() -> None:
        main_window.refresh()  # the due-soon threshold and the masking change what the table shows
        reminders = getattr(main_window, "reminders", None)
        if reminders is not None:
            reminders.reschedule()

    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.saved.connect(saved)
    dialog.open()
    return dialog
