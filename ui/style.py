"""Look of the program, defined once: the CJK application font, and the colours of record states,
deadline bands and findings (as Electrum defines its status colours in one place).

Colours come in (foreground, background) pairs so text stays readable on light and dark themes:
the pair is applied together, never a background on the theme's own text colour. No pixel sizes:
everything is laid out by Qt layouts so that 200 % scaling works.
"""

from __future__ import annotations

import sys

from PySide6.QtGui import QColor, QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from app.queue import states as st

# In order of preference; the first installed one becomes the application font on Linux, where the
# default font often has no Chinese glyphs (统信UOS and 麒麟 ship some of these, Debian/Ubuntu Noto).
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans SC", "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei", "Droid Sans Fallback", "Microsoft YaHei", "PingFang SC", "AR PL UMing CN",
)

Pair = tuple[str, str]  # (foreground, background) as #rrggbb

STATE_COLORS: dict[str, Pair] = {
    st.DRAFT: ("#4a4a4a", "#ececec"),
    st.READY: ("#0b4f9c", "#e1edfb"),
    st.SENDING: ("#5b2c91", "#efe6fa"),
    st.ACCEPTED: ("#1e6b30", "#e3f4e6"),
    st.RETURNED: ("#a3160e", "#fde3e0"),
    st.WITHDRAWN: ("#777777", "#f4f4f4"),
}

BAND_COLORS: dict[str, Pair] = {
    "overdue": ("#a3160e", "#fde3e0"),
    "due_today": ("#8a3b00", "#ffe2c2"),
    "due_soon": ("#735400", "#fff3c4"),
    "normal": ("#1f1f1f", "#ffffff"),
    "uncovered": ("#555555", "#eeeeee"),
    "on_time": ("#1e6b30", "#e3f4e6"),
    "late": ("#a3160e", "#fde3e0"),
}

SEVERITY_COLORS: dict[str, Pair] = {
    "error": ("#a3160e", "#fde3e0"),
    "warning": ("#735400", "#fff3c4"),
    "platform": ("#5b2c91", "#efe6fa"),
    "info": ("#0b4f9c", "#e1edfb"),
}


def fg(pair: Pair) -> QColor:
    return QColor(pair[0])


def bg(pair: Pair) -> QColor:
    return QColor(pair[1])


def box_css(kind: str) -> str:
    """Style sheet of a message box (banner, finding) by severity; sizes in em so they scale."""
    f, b = SEVERITY_COLORS.get(kind, SEVERITY_COLORS["info"])
    return (f"color: {f}; background-color: {b}; border: 1px solid {f}; border-radius: 0.3em;"
            f" padding: 0.3em 0.5em;")


def cjk_family(families: list[str] | None = None) -> str | None:
    """The first preferred CJK family that is installed, or any family Qt says writes Chinese."""
    if families is None:
        families = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    installed = set(families)
    for name in CJK_FAMILIES:
        if name in installed:
            return name
    return families[0] if families else None


def apply_style(app: QApplication) -> None:
    """Application font with Chinese glyphs (Linux only: Windows and macOS fall back by themselves)."""
    if not sys.platform.startswith("linux"):
        return
    family = cjk_family()
    if family is None:
        return
    font = QFont(app.font())
    # Keep the platform's point size (it already follows the screen's scaling); only the family changes,
    # and the default family stays as a fallback for Latin text.
    font.setFamilies([family, *[f for f in app.font().families() if f != family]])
    app.setFont(font)
