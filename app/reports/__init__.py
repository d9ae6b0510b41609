"""Monitoring figures per month (on time, late, returned, outstanding), omission hints and the
monthly report. The workbook writer lives in app.reports.workbook (imported on demand: it needs
openpyxl, the figures do not)."""

from app.reports.figures import (
    Figures,
    ListedRecord,
    MonthFigures,
    monthly_figures,
    parse_month,
    twelve_months,
)
from app.reports.omissions import Gap, parse_doc_number

__all__ = [
    "Figures",
    "Gap",
    "ListedRecord",
    "MonthFigures",
    "monthly_figures",
    "parse_doc_number",
    "parse_month",
    "twelve_months",
]
