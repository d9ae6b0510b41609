"""Excel/WPS/ODS/CSV: templates, reading, header matching, cell normalisation, dry runs, error reports."""

from app.excel.importer import ImportOptions, ImportResult, import_file
from app.excel.issues import ImportRefused, Issue
from app.excel.readers import ImportLimits

__all__ = ["ImportLimits", "ImportOptions", "ImportRefused", "ImportResult", "Issue", "import_file"]
