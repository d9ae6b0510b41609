"""Logging in to the city platform: address, account, password, optional CA bundle and proxy.

The check runs in the background against the platform (the window never waits on the network);
on success the password goes into the OS keyring and the settings get what `creditdesk login`
writes (app/cli/platform.py): address, username, CA bundle, proxy and the account's department.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.platform.client import Account, PlatformClient
from app.platform.credentials import delete_password, load_password, save_password
from ui import tasks
from ui.widgets.banner import Banner
from ui.widgets.live_dialog import LiveDialog

# Error codes of a sync or login that mean "the account or password is the problem".
CREDENTIAL_CODES = ("credentials", "account_locked", "not_logged_in")


class FileLine(QWidget):
    """A path field with a 浏览… button (CA bundle); the text stays editable for pasting."""

    def __init__(self, text: str = "", file_filter: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.file_filter = file_filter
        self.edit = QLineEdit(text, self)
        self.edit.setClearButtonEnabled(True)
        self.browse = QPushButton(self.tr("浏览…"), self)
        self.browse.clicked.connect(self._choose)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.browse)
        self.setFocusProxy(self.edit)

    def text(self) -> str:
        return self.edit.text().strip()

    def setText(self, text: str) -> None:
        self.edit.setText(text)

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择证书文件"), self.text(), self.file_filter)
        if path:
            self.edit.setText(path)


def has_saved_password(ctx) -> bool:
    st = ctx.settings
    return bool(st.platform_url and st.username and load_password(st.platform_url, st.username))


def logout(ctx) -> bool:
    """Remove the password from the keyring (as `creditdesk logout`); the address and username stay
    so that logging in again only asks for the password."""
    st = ctx.settings
    return delete_password(st.platform_url, st.username) if st.username else False


class LoginDialog(LiveDialog):
    logged_in = Signal(object)  # Account

    def __init__(self, ctx, parent: QWidget | None = None, message: str = ""):
        super().__init__(parent)
        self.ctx = ctx
        self.task: tasks.Task | None = None
        self.account: Account | None = None
        st = ctx.settings
        self.setWindowTitle(self.tr("登录信用信息平台"))
        self.intro = QLabel(self.tr("请输入平台分配给本单位的账号。密码只保存在本机的系统钥匙串中。"), self)
        self.intro.setWordWrap(True)
        self.banner = Banner(self)
        self.url = QLineEdit(st.platform_url, self)
        self.url.setPlaceholderText(self.tr("例如 https://credit.srxy.gov.cn/api/v1"))
        self.username = QLineEdit(st.username, self)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.ca_bundle = FileLine(st.ca_bundle, self.tr("证书文件 (*.pem *.crt *.cer);;所有文件 (*)"), self)
        self.ca_bundle.edit.setPlaceholderText(self.tr("不填：使用系统证书"))
        self.proxy = QLineEdit(st.proxy, self)
        self.proxy.setPlaceholderText(self.tr("不填：使用系统代理设置，例如 http://10.1.1.1:8080"))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(self.tr("平台地址(&U)："), self.url)
        form.addRow(self.tr("用户名(&N)："), self.username)
        form.addRow(self.tr("密码(&P)："), self.password)
        form.addRow(self.tr("内部 CA 证书(&C)："), self.ca_bundle)
        form.addRow(self.tr("代理服务器(&X)："), self.proxy)
        self.buttons = QDialogButtonBox(self)
        self.login_button = self.buttons.addButton(self.tr("登录"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.login_button.setDefault(True)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        em = self.fontMetrics().horizontalAdvance("字")
        self.setMinimumWidth(em * 36)
        if message:
            self.banner.show_message(message, "error")
        # The first empty field gets the focus: usually the password.
        for edit in (self.url, self.username, self.password):
            if not edit.text():
                edit.setFocus()
                break

    # -- logging in ------------------------------------------------------------------------------------
    def submit(self) -> tasks.Task | None:
        url, username, password = self.url.text().strip().rstrip("/"), self.username.text().strip(), self.password.text()
        missing = [name for name, value in ((self.tr("平台地址"), url), (self.tr("用户名"), username),
                                            (self.tr("密码"), password)) if not value]
        if missing:
            self.banner.show_message(self.tr("请填写%s。") % "、".join(missing), "error")
            return None
        if not url.lower().startswith(("http://", "https://")):
            self.banner.show_message(self.tr("平台地址应以 https:// 开头，请核对平台提供的地址。"), "error")
            self.url.setFocus()
            return None
        st = self.ctx.settings
        ca_bundle, proxy = self.ca_bundle.text(), self.proxy.text().strip()
        self._busy(True)
        self.banner.show_message(self.tr("正在连接平台，请稍候…"), "info")

        def work(task: tasks.Task) -> Account:
            client = PlatformClient(url, username=username, password=password, ca_bundle=ca_bundle, proxy=proxy,
                                    connect_timeout=st.connect_timeout, read_timeout=st.read_timeout,
                                    cancelled=lambda: task.cancelled)
            try:
                account = client.login()
            finally:
                client.close()
            save_password(url, username, password)  # a keyring call may block: off the GUI thread too
            return account

        def succeeded(account: Account) -> None:
            self.task = None
            # The settings are written even if the dialog was closed meanwhile: the keyring already
            # holds the new password, and settings naming another account would not find it.
            st.platform_url, st.username = url, username
            st.ca_bundle, st.proxy = ca_bundle, proxy
            st.department_name, st.department_uscc = account.department_name, account.department_uscc
            st.allowed_kinds = list(account.kinds)
            self.ctx.save_settings()
            self.account = account
            if not self._alive:
                return
            self.logged_in.emit(account)
            self.accept()

        def failed(_code: str, message: str) -> None:
            self.task = None
            if not self._alive:
                return
            self._busy(False)
            self.banner.show_message(message, "error")
            self.password.setFocus()
            self.password.selectAll()

        self.task = tasks.run_task(work, on_done=succeeded, on_error=failed)
        return self.task

    def _busy(self, busy: bool) -> None:
        for w in (self.url, self.username, self.password, self.ca_bundle, self.proxy, self.login_button):
            w.setEnabled(not busy)

    def done(self, result: int) -> None:
        if self.task is not None:
            self.task.cancel()
        super().done(result)


def open_login_over(ctx, parent: QWidget, on_logged_in, on_closed=None, message: str = "") -> LoginDialog:
    """A login dialog over `parent`: window-modal, without a nested event loop, deleted by Qt when
    closed (no closure connected to the dialog's own signals may hold it)."""
    dialog = LoginDialog(ctx, parent, message)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.logged_in.connect(on_logged_in)
    if on_closed is not None:
        dialog.finished.connect(on_closed)
    dialog.open()
    return dialog


def open_login(ctx, main_window, message: str = "") -> LoginDialog:
    """The hook of the main window's 登录平台… action."""
    def logged_in(account: Account) -> None:
        main_window.show_notice(QCoreApplication.translate("LoginDialog", "已登录平台：%s（%s）。")
                                % (account.username, account.department_name), "info")
        main_window.refresh()

    return open_login_over(ctx, main_window, logged_in, message=message)
