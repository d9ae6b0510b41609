"""An import finding with its place in the spreadsheet, and the refusal that stops an import."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from app.errors import UserError
from app.validation.findings import ERROR


@dataclass(frozen=True, slots=True)
class Issue:
    row: int | None  # as the spreadsheet shows it (1-based, title and header rows counted); None: the file
    column: str | None  # column letter; None when no single column is meant
    field: str | None  # catalog field code
    severity: str  # "error" | "warning"
    rule: str
    message: str  # Chinese; names the field's label; never an ID number

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def where(self) -> str:
        if self.row is None:
            return f"{self.column} 列" if self.column else "文件"
        return f"第 {self.row} 行" + (f" {self.column} 列" if self.column else "")


class ImportRefused(UserError):
    """The file cannot be imported as it is; nothing was stored. `issues` says why, each with its place."""

    code = "import_refused"

    def __init__(self, issues: list[Issue], code: str | None = None):
        self.issues = list(issues)
        errors = [i for i in self.issues if i.severity == ERROR] or self.issues
        message = "；".join(f"{i.where}：{i.message}" if i.row is not None else i.message for i in errors[:5])
        if len(errors) > 5:
            message += f"；另有 {len(errors) - 5} 个问题"
        super().__init__(message, code)


def refuse(rule: str, message: str, *, row: int | None = None, column: str | None = None,
           field_code: str | None = None) -> ImportRefused:
    return ImportRefused([Issue(row, column, field_code, ERROR, rule, message)], code=rule)
