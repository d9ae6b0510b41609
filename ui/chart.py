"""A small stacked bar chart drawn with QPainter (PySide6-Essentials has no QtCharts).

Everything is measured from the widget's font, never in fixed pixels, so the chart stays readable
at 200 % scaling. The values are also given as text (accessible description and a tooltip per
bar) because a picture alone is not usable with the keyboard or a screen reader.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget


@dataclass(frozen=True)
class Series:
    label: str
    color: str  # #rrggbb
    values: tuple[int, ...]


def nice_step(top: float, ticks: int = 4) -> int:
    """A round grid step (1, 2, 5 × 10^n) so that about `ticks` lines cover `top`."""
    if top <= 0:
        return 1
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * power:
            return max(int(m * power), 1)
    return max(int(10 * power), 1)


class BarChart(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.categories: list[str] = []
        self.series: list[Series] = []
        self.empty_text = self.tr("暂无数据")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # reachable by Tab; the description is read out
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._bars: list[QRectF] = []

    def set_data(self, categories: list[str], series: list[Series]) -> None:
        self.categories = list(categories)
        self.series = [s for s in series if len(s.values) == len(categories)]
        lines = [f"{c.replace(chr(10), ' ')}：" + "，".join(f"{s.label} {s.values[i]}" for s in self.series)
                 for i, c in enumerate(self.categories)]
        self.setAccessibleDescription("；".join(lines))
        self.update()

    def totals(self) -> list[int]:
        return [sum(s.values[i] for s in self.series) for i in range(len(self.categories))]

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        return QSize(fm.horizontalAdvance("0000年00月") * 10, fm.height() * 16)

    def minimumSizeHint(self) -> QSize:
        fm = self.fontMetrics()
        return QSize(fm.horizontalAdvance("00月") * 14, fm.height() * 10)

    # -- drawing -------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = QFontMetrics(self.font())
        pal = self.palette()
        text_color = pal.color(pal.ColorRole.WindowText)
        grid_color = QColor(text_color)
        grid_color.setAlpha(50)
        pad = fm.height() * 0.5
        area = QRectF(self.rect()).adjusted(pad, pad, -pad, -pad)
        legend_h = self._draw_legend(p, fm, area, text_color)
        totals = self.totals()
        top = max(totals, default=0)
        if not self.categories or top == 0:
            p.setPen(text_color)
            p.drawText(area.adjusted(0, legend_h, 0, 0), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            self._bars = []
            return
        step = nice_step(top)
        axis_top = step * math.ceil(top / step)
        label_w = fm.horizontalAdvance(str(axis_top)) + pad
        # Category labels may have two lines (month, and the year where it changes).
        lines = max((c.count("\n") + 1 for c in self.categories), default=1)
        label_h = fm.lineSpacing() * lines + fm.height() * 0.4
        plot = QRectF(area.left() + label_w, area.top() + legend_h + fm.height() * 0.5,
                      area.width() - label_w, area.height() - legend_h - fm.height() * 0.5 - label_h)
        # Grid lines and their values.
        for value in range(0, axis_top + 1, step):
            y = plot.bottom() - plot.height() * value / axis_top
            p.setPen(QPen(grid_color, 1))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(text_color)
            p.drawText(QRectF(area.left(), y - fm.height() / 2, label_w - pad / 2, fm.height()),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, str(value))
        n = len(self.categories)
        slot = plot.width() / n
        bar_w = slot * 0.6
        self._bars = []
        for i, category in enumerate(self.categories):
            x = plot.left() + slot * i + (slot - bar_w) / 2
            y = plot.bottom()
            for s in self.series:
                h = plot.height() * s.values[i] / axis_top
                if h > 0:
                    p.fillRect(QRectF(x, y - h, bar_w, h), QColor(s.color))
                y -= h
            self._bars.append(QRectF(plot.left() + slot * i, plot.top(), slot, plot.height()))
            if totals[i]:
                p.setPen(text_color)
                p.drawText(QRectF(x - slot, y - fm.height() * 1.1, bar_w + 2 * slot, fm.height()),
                           Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, str(totals[i]))
            p.setPen(text_color)
            label = "\n".join(fm.elidedText(part, Qt.TextElideMode.ElideRight, int(slot))
                              for part in category.split("\n"))
            p.drawText(QRectF(plot.left() + slot * i, plot.bottom() + fm.height() * 0.3, slot, label_h),
                       Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, label)
        if self.hasFocus():
            p.setPen(QPen(pal.color(pal.ColorRole.Highlight), 1, Qt.PenStyle.DotLine))
            p.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))

    def _draw_legend(self, p: QPainter, fm: QFontMetrics, area: QRectF, text_color: QColor) -> float:
        """Legend entries in a row (wrapping when narrow); returns the height it took."""
        box = fm.height() * 0.8
        gap = fm.horizontalAdvance("　")
        x, y = area.left(), area.top()
        for s in self.series:
            w = box + gap / 2 + fm.horizontalAdvance(s.label)
            if x > area.left() and x + w > area.right():
                x, y = area.left(), y + fm.height() * 1.4
            p.fillRect(QRectF(x, y + (fm.height() - box) / 2, box, box), QColor(s.color))
            p.setPen(text_color)
            p.drawText(QRectF(x + box + gap / 2, y, w, fm.height()), Qt.AlignmentFlag.AlignVCenter, s.label)
            x += w + gap
        return (y - area.top()) + fm.height() * 1.4 if self.series else 0.0

    # -- values on hover -------------------------------------------------------------------------------
    def bar_text(self, i: int) -> str:
        parts = [f"{s.label}：{s.values[i]}" for s in self.series]
        return f"{self.categories[i].replace(chr(10), ' ')}\n" + "\n".join(parts) + "\n" + self.tr("合计：%d") % self.totals()[i]

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        for i, r in enumerate(self._bars):
            if r.contains(pos):
                QToolTip.showText(event.globalPosition().toPoint(), self.bar_text(i), self)
                return
        QToolTip.hideText()
