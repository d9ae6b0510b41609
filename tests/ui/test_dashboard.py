"""本月统计: the figures shown are the core's monthly_figures, the chart is twelve_months, and
导出月报 writes the core's workbook in the background."""

from __future__ import annotations

from datetime import date

from openpyxl import load_workbook

from app.queue import states as st
from app.reports import monthly_figures, twelve_months
from tests.ui.test_queue_model import add, simulate_platform
from ui.chart import BarChart, Series, nice_step
from ui.dashboard import ROWS, TILES, Dashboard, months_back, open_dashboard, value_text
from ui.main_window import MainWindow

WAIT = 20_000


def fill(ctx) -> None:
    """November 2026 (today is 11-26) and October: on time, late, returned, outstanding, a gap."""
    on_time = add(ctx, "penalty", 1, decided=date(2026, 11, 3))
    simulate_platform(ctx, on_time, st.ACCEPTED, received="2026-11-05T09:00:00+08:00")
    late = add(ctx, "penalty", 2, decided=date(2026, 11, 2))
    simulate_platform(ctx, late, st.ACCEPTED, received="2026-11-20T09:00:00+08:00")
    returned = add(ctx, "license", 3, decided=date(2026, 11, 9))
    simulate_platform(ctx, returned, st.RETURNED, [{"field": "XK_XKBH", "code": "review", "message": "编号不一致"}])
    add(ctx, "license", 5, decided=date(2026, 11, 10))  # ready, overdue; 许可 4 is missing: a gap
    add(ctx, "inspection", 6, decided=date(2026, 11, 24))  # ready, due soon
    october = add(ctx, "enforcement", 7, decided=date(2026, 10, 12))
    simulate_platform(ctx, october, st.ACCEPTED, received="2026-10-14T09:00:00+08:00")


def shown(d: Dashboard) -> dict[tuple[str, str], str]:
    out = {}
    for c in range(d.table.columnCount()):
        kind = d.table.horizontalHeaderItem(c).text()
        for r, (attr, _label) in enumerate(ROWS):
            out[(kind, attr)] = d.table.item(r, c).text()
    return out


def loaded(qtbot, d: Dashboard) -> None:
    qtbot.waitUntil(lambda: d.task is None and d.figures is not None, timeout=WAIT)


def test_the_figures_shown_are_monthly_figures(qtbot, ctx):
    fill(ctx)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    d = open_dashboard(ctx, window)  # a child of the window: deleted with it, or by Qt when closed
    assert d.selected_month == "2026-11" and d.month.currentText() == "2026年11月"
    loaded(qtbot, d)
    expected = monthly_figures(ctx, "2026-11", due_soon_days=ctx.settings.due_soon_days, listings=False)
    cells = shown(d)
    for fig in [*expected.kinds, expected.total]:
        for attr, _label in ROWS:
            assert cells[(fig.label, attr)] == value_text(fig, attr), (fig.label, attr)
    total = expected.total
    assert (total.decisions, total.accepted_on_time, total.accepted_late, total.returned) == (5, 1, 1, 1)
    assert total.outstanding_overdue >= 1 and total.possible_omissions == 1
    assert cells[("合计", "late_rate")] == "50.0%"
    for attr, _label, _severity in TILES:
        assert d.tiles[attr].value.text() == value_text(total, attr)
    assert "可能漏报" in d.omissions.text() and "饶市监食许〔2026〕4号" in d.omissions.text()
    # The chart: twelve months ending with November, stacked from the same figures.
    series = twelve_months(ctx, "2026-11", due_soon_days=ctx.settings.due_soon_days)
    assert d.chart.categories[0] == "12月\n2025年" and d.chart.categories[1] == "1月\n2026年"
    assert d.chart.categories[-1] == "11月"
    assert d.chart.totals()[-1] == total.accepted_on_time + total.accepted_late + total.unjudged + total.outstanding
    assert d.chart.totals()[-2] == series[-2].total.accepted_on_time == 1
    assert "12月 2025年：按时报送 0" in d.chart.accessibleDescription()


def test_choosing_another_month_reloads(qtbot, ctx):
    fill(ctx)
    d = Dashboard(ctx)
    qtbot.addWidget(d)
    d.show()
    d.load()
    loaded(qtbot, d)
    d.month.setCurrentIndex(d.month.findData("2026-10"))
    loaded(qtbot, d)
    qtbot.waitUntil(lambda: d.figures.month == "2026-10", timeout=WAIT)
    assert shown(d)[("合计", "decisions")] == "1" and shown(d)[("行政强制", "accepted_on_time")] == "1"
    assert d.chart.categories[-1] == "10月"


def test_export_writes_the_monthly_report(qtbot, ctx, tmp_path):
    fill(ctx)
    d = Dashboard(ctx)
    qtbot.addWidget(d)
    d.load()
    loaded(qtbot, d)
    target = tmp_path / "月报.xlsx"
    d.export(str(target))
    assert not d.export_button.isEnabled()
    qtbot.waitUntil(lambda: d.export_task is None, timeout=WAIT)
    assert "月报已导出到" in d.banner.text() and d.export_button.isEnabled()
    wb = load_workbook(target)
    assert {"汇总", "迟报记录", "被退回记录", "逾期未报记录", "可能漏报"} <= set(wb.sheetnames)


def test_an_empty_month_shows_dashes_for_rates(qtbot, ctx):
    d = Dashboard(ctx)
    qtbot.addWidget(d)
    d.load()
    loaded(qtbot, d)
    assert shown(d)[("合计", "late_rate")] == "—" and d.tiles["error_rate"].value.text() == "—"
    assert d.chart.totals() == [0] * 12
    assert d.omissions.text() == "没有发现文书号不连续的情况。"


def test_the_chart_draws_and_describes_its_bars(qtbot):
    chart = BarChart()
    qtbot.addWidget(chart)
    chart.set_data(["10月", "11月"], [Series("按时报送", "#1e6b30", (3, 5)), Series("迟报", "#a3160e", (1, 0))])
    chart.resize(chart.sizeHint())
    image = chart.grab()
    assert not image.isNull()
    assert chart.totals() == [4, 5]
    assert chart.accessibleDescription() == "10月：按时报送 3，迟报 1；11月：按时报送 5，迟报 0"
    assert "合计：4" in chart.bar_text(0)
    assert [nice_step(v) for v in (0, 3, 10, 47, 230)] == [1, 1, 5, 20, 100]


def test_months_back():
    assert months_back("2026-02", 3) == ["2026-02", "2026-01", "2025-12"]
