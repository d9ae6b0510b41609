"""Draws the application icon (resources/icons/creditdesk.png, .ico) with Qt: a seal-red rounded square
with 信 and a check mark. Run: QT_QPA_PLATFORM=offscreen python tools/make_icon.py"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPainterPath, QPen

OUT = Path(__file__).resolve().parent.parent / "resources" / "icons"


def draw(size: int) -> QImage:
    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    r = QRectF(size * 0.04, size * 0.04, size * 0.92, size * 0.92)
    path = QPainterPath()
    path.addRoundedRect(r, size * 0.2, size * 0.2)
    p.fillPath(path, QColor("#b3261e"))
    font = QFont("Noto Sans CJK SC")
    font.setPixelSize(int(size * 0.56))
    font.setBold(True)
    p.setFont(font)
    p.setPen(QColor("white"))
    p.drawText(QRectF(0, -size * 0.06, size, size), Qt.AlignmentFlag.AlignCenter, "信")
    pen = QPen(QColor("#ffd54f"), max(1.0, size * 0.07), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    p.drawPolyline([QPointF(size * 0.58, size * 0.78), QPointF(size * 0.68, size * 0.87),
                    QPointF(size * 0.88, size * 0.64)])
    p.end()
    return img


if __name__ == "__main__":
    app = QGuiApplication(sys.argv[:1])
    OUT.mkdir(parents=True, exist_ok=True)
    draw(256).save(str(OUT / "creditdesk.png"))
    draw(256).save(str(OUT / "creditdesk.ico"))
    print("wrote", OUT)
