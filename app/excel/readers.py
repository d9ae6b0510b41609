"""Opening what clerks really have: .xlsx/.xlsm/.xlsb, .xls (old WPS and Excel), .ods and .csv.

Workbooks are read with python-calamine: on a 100,000-row × 28-column sheet it reads about 20 times
faster than openpyxl's read-only mode (see tests/bench/bench_import.py), releases the GIL while it
parses, and reads .xls and .ods as well. What calamine does not tell (encryption, formulas without a
saved result, merged cells in .ods, the size of a sheet before it is loaded) is found out here from
the file itself, before anything is stored.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import logging
import re
import threading
import xml.etree.ElementTree as ET
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from app.excel.cells import column_letter
from app.excel.issues import ImportRefused, refuse

log = logging.getLogger(__name__)

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
SAVE_AS = "请在 Excel 或 WPS 中打开该文件，另存为 .xlsx 格式后再导入"
ROWS_ABOVE = 30  # title and header rows allowed above the data, beside the row limit
Row = tuple[int, list[object]]  # (row number as the spreadsheet shows it, cell values)


@dataclass(frozen=True)
class ImportLimits:
    """Refuse a file before reading it all when it is larger than one import should be."""

    max_rows: int = 200_000
    max_file_bytes: int = 300 * 1024 * 1024
    # The uncompressed XML of one sheet: a guard against a small zip that unpacks to gigabytes.
    max_sheet_xml_bytes: int = 3 * 1024 * 1024 * 1024


@dataclass(frozen=True)
class SheetInfo:
    name: str
    visible: bool


@dataclass
class SheetData:
    name: str
    visible: bool
    col0: int  # absolute 0-based column of the first value of each row
    last_row: int  # the highest row number that may come
    rows: Iterator[Row]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2: 0-based, inclusive
    formula_cells: list[str] = field(default_factory=list)  # "E5": a formula whose result was not saved
    error_cells: list[str] = field(default_factory=list)  # "E5": an error value such as #N/A


def too_many_rows(name: str, rows: int, limits: ImportLimits) -> ImportRefused:
    return refuse("too_many_rows",
                  f"工作表「{name}」有 {rows:,} 行，超过一次导入的上限 {limits.max_rows:,} 行。"
                  f"请把数据拆成几个文件，分批导入。")


def _corrupt(name: str, what: str = "") -> ImportRefused:
    return refuse("file_corrupt", f"文件「{name}」已损坏{what}，无法读取。{SAVE_AS}；如果打开时也报错，请向数据来源重新索取文件。")


# -- recognising the file -------------------------------------------------------------------------
def detect_format(path: Path, limits: ImportLimits) -> str:
    """xlsx | xlsb | xls | ods | csv by the content, not the extension; a UserError says what else it is."""
    name = path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise refuse("file_not_found", f"找不到文件：{path}") from None
    except OSError as exc:
        raise refuse("file_unreadable", f"无法读取文件「{name}」（{exc.strerror or exc.__class__.__name__}）。") from None
    if path.is_dir():
        raise refuse("not_a_file", f"「{name}」是文件夹，不是表格文件。")
    if size == 0:
        raise refuse("file_empty", f"文件「{name}」是空的（0 字节），没有可导入的内容。")
    if size > limits.max_file_bytes:
        raise refuse("file_too_large",
                     f"文件「{name}」有 {size / 1024 / 1024:,.0f} MB，超过一次导入的上限 "
                     f"{limits.max_file_bytes / 1024 / 1024:,.0f} MB。请把数据拆成几个文件，分批导入。")
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise refuse("file_unreadable", f"无法读取文件「{name}」（{exc.strerror or exc.__class__.__name__}）。") from None
    if head.startswith(ZIP_MAGICS):
        return _zip_format(path)
    if head.startswith(CFB_MAGIC):
        return _cfb_format(path)
    suffix = path.suffix.lower()
    probe = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if probe.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta")) or b"<table" in probe[:1024]:
        raise refuse("html_not_spreadsheet",
                     f"文件「{name}」实际上是网页（HTML）格式，只是扩展名为 {suffix or '（无）'}，"
                     f"常见于业务系统导出的“Excel”文件。{SAVE_AS}。")
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb", ".et"):
        raise refuse("not_a_spreadsheet",
                     f"文件「{name}」的内容不是表格文件（扩展名是 {suffix}，但内容不是），可能已损坏或扩展名被改过。{SAVE_AS}。")
    raise refuse("not_a_spreadsheet",
                 f"文件「{name}」不是可导入的表格文件。请使用 .xlsx、.xls、.ods 或 .csv 文件。")


def _zip_format(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            mimetype = z.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, EOFError, KeyError):
        raise _corrupt(path.name, "（压缩包结构不完整）") from None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if b"opendocument.spreadsheet" in mimetype:
        return "ods"
    if "word/document.xml" in names or b"opendocument.text" in mimetype:
        raise refuse("not_a_spreadsheet", f"文件「{path.name}」是文字处理文档（Word/WPS 文字），不是表格。请导入 Excel/WPS 表格文件。")
    raise refuse("not_a_spreadsheet", f"文件「{path.name}」是压缩包，但不是表格文件。请导入 .xlsx、.xls、.ods 或 .csv 文件。")


def _cfb_format(path: Path) -> str:
    """An OLE compound file is an old .xls, but also what Excel makes of a password-protected .xlsx
    (an EncryptedPackage stream), or a Word .doc. Stream names are UTF-16 in the directory."""
    data = path.read_bytes()
    if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
        raise _encrypted(path.name)
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "xls"
    if "WordDocument".encode("utf-16-le") in data:
        raise refuse("not_a_spreadsheet", f"文件「{path.name}」是 Word 文档，不是表格。请导入 Excel/WPS 表格文件。")
    raise refuse("not_a_spreadsheet", f"文件「{path.name}」不是可识别的 Excel 文件，可能已损坏。{SAVE_AS}。")


def _encrypted(name: str) -> ImportRefused:
    return refuse("file_encrypted",
                  f"文件「{name}」设置了打开密码（已加密），无法读取。请在 Excel 或 WPS 中用密码打开，"
                  f"取消密码（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）并保存后，再导入。")


# -- workbooks --------------------------------------------------------------------------------------
class Book(ABC):
    """An open workbook: its sheets, and each sheet's rows on demand."""

    def __init__(self, path: Path, fmt: str, limits: ImportLimits):
        self.path = path
        self.format = fmt
        self.limits = limits
        self.sheets: list[SheetInfo] = []

    @abstractmethod
    def load(self, name: str) -> SheetData:
        """The named sheet's rows (each format reads them its own way)."""

    def close(self) -> None:  # noqa: B027 (most formats hold nothing open)
        """Release the file (formats that keep it open override this)."""

    def __enter__(self) -> Book:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _calamine_guard(name: str, exc: BaseException) -> ImportRefused:
    from python_calamine import PasswordError

    if isinstance(exc, PasswordError) or "password" in str(exc).lower() or "encrypt" in str(exc).lower():
        return _encrypted(name)
    log.warning("calamine could not read a workbook: %s", exc.__class__.__name__)
    return _corrupt(name)


class CalamineBook(Book):
    def __init__(self, path: Path, fmt: str, limits: ImportLimits):
        super().__init__(path, fmt, limits)
        from python_calamine import CalamineWorkbook, SheetVisibleEnum

        try:
            self._wb = CalamineWorkbook.from_path(str(path))
            meta = self._wb.sheets_metadata
        except BaseException as exc:  # noqa: BLE001 - a Rust panic arrives as a BaseException
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            raise _calamine_guard(path.name, exc) from None
        self.sheets = [SheetInfo(m.name, m.visible == SheetVisibleEnum.Visible) for m in meta
                       if str(m.typ).endswith("WorkSheet")]
        self._zip_parts = _xlsx_sheet_parts(path) if fmt == "xlsx" else {}

    def load(self, name: str) -> SheetData:
        info = next(s for s in self.sheets if s.name == name)
        scan: dict[str, list[str]] = {}
        scanner = None
        if self.format == "xlsx":
            part = self._zip_parts.get(name)
            if part:
                self._check_xlsx_size(name, part)
                # The formula scan inflates the sheet XML while calamine parses it: both run outside the GIL.
                scanner = threading.Thread(target=_scan_formulas, args=(self.path, part, scan), daemon=True)
                scanner.start()
        elif self.format == "ods":
            self._check_ods_size(name)
        try:
            sheet = self._wb.get_sheet_by_name(name)
            start, end = sheet.start, sheet.end
            merged = list(sheet.merged_cell_ranges or [])
        except BaseException as exc:  # noqa: BLE001
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            raise _calamine_guard(self.path.name, exc) from None
        finally:
            if scanner is not None:
                scanner.join()
        if "damaged" in scan:
            raise _corrupt(self.path.name)
        merged_boxes = [(r1, c1, r2, c2) for (r1, c1), (r2, c2) in merged]
        if self.format == "ods":
            merged_boxes = _ods_merges(self.path, name)
        if start is None or end is None:
            return SheetData(name, info.visible, 0, 0, iter(()), merged_boxes, scan.get("cells", []),
                             scan.get("errors", []))
        if end[0] + 1 > self.limits.max_rows + ROWS_ABOVE:
            raise too_many_rows(name, end[0] + 1, self.limits)
        # calamine yields rows from row 1 (empty ones before the data included) and columns from
        # the first used one.
        rows = enumerate(sheet.iter_rows(), 1)
        return SheetData(name, info.visible, start[1], end[0] + 1, rows, merged_boxes, scan.get("cells", []),
                         scan.get("errors", []))

    def _check_xlsx_size(self, name: str, part: str) -> None:
        try:
            with zipfile.ZipFile(self.path) as z:
                size = z.getinfo(part).file_size
                with z.open(part) as fh:
                    head = fh.read(65536)
        except (zipfile.BadZipFile, KeyError, OSError, EOFError, RuntimeError):
            raise _corrupt(self.path.name) from None
        except Exception:  # zlib.error and the like: the sheet's data is damaged
            raise _corrupt(self.path.name) from None
        if size > self.limits.max_sheet_xml_bytes:
            raise refuse("file_too_large", f"工作表「{name}」的数据量过大（解压后超过 "
                         f"{self.limits.max_sheet_xml_bytes / 1024**3:.0f} GB），请把数据拆成几个文件，分批导入。")
        m = re.search(rb'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', head)
        if m and int(m.group(1)) > self.limits.max_rows + ROWS_ABOVE:
            raise too_many_rows(name, int(m.group(1)), self.limits)

    def _check_ods_size(self, name: str) -> None:
        try:
            with zipfile.ZipFile(self.path) as z:
                size = z.getinfo("content.xml").file_size
        except (zipfile.BadZipFile, KeyError, OSError):
            raise _corrupt(self.path.name) from None
        if size > self.limits.max_sheet_xml_bytes:
            raise refuse("file_too_large", f"工作表「{name}」的数据量过大，请把数据拆成几个文件，分批导入。")

    def close(self) -> None:
        with contextlib.suppress(Exception):  # already closed
            self._wb.close()


def _xlsx_sheet_parts(path: Path) -> dict[str, str]:
    """Sheet name -> its XML part in the package (xl/worksheets/sheetN.xml)."""
    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        with zipfile.ZipFile(path) as z:
            wb = ET.fromstring(z.read("xl/workbook.xml"))
            rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    except (zipfile.BadZipFile, KeyError, OSError, ET.ParseError):
        return {}
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        targets[rel.get("Id")] = part
    out = {}
    for sheet in wb.iter(f"{ns_main}sheet"):
        rid = sheet.get(f"{ns_rel}id")
        if rid in targets:
            out[sheet.get("name", "")] = targets[rid]
    return out


# A cell whose formula is followed by no value: <c r="E5"><f>1+1</f></c> or <v/> (what programs
# such as openpyxl write). Excel saves an empty text result as <v></v>, which is a result.
_NO_VALUE = re.compile(rb'<c r="([A-Z]+\d+)"[^>]*>\s*<f(?:\s[^>]*)?(?:/>|>[^<]*</f>)\s*(?:</c>|<v\s*/>)')
_FORMULA = re.compile(rb"<f[ >/]")
# A cell holding an Excel error value (#N/A, #DIV/0! …): calamine reads it as empty.
_ERROR_CELL = re.compile(rb'<c r="([A-Z]+\d+)"[^>]*?\st="e"')


def _scan_formulas(path: Path, part: str, out: dict[str, list[str]]) -> None:
    """Cells holding a formula with no saved result (files written by programs, never opened in
    Excel): calamine sees them as empty, so they would silently import as blanks."""
    cells: list[str] = []
    errors: list[str] = []
    try:
        with zipfile.ZipFile(path) as z, z.open(part) as fh:
            tail = b""
            while True:
                chunk = fh.read(1 << 20)
                buf = tail + chunk
                if not chunk:
                    body, tail = buf, b""
                else:
                    # Keep the last cell for the next round so that no cell is cut in two.
                    cut = buf.rfind(b"<c ", max(0, len(buf) - 65536))
                    body, tail = (buf[:cut], buf[cut:]) if cut > 0 else (buf, b"")
                if _FORMULA.search(body):
                    cells.extend(m.group(1).decode() for m in _NO_VALUE.finditer(body))
                if b't="e"' in body:
                    errors.extend(m.group(1).decode() for m in _ERROR_CELL.finditer(body))
                if not chunk:
                    break
        out["cells"] = cells
        out["errors"] = errors
    except Exception:  # a damaged package: reported as such by the caller
        out["damaged"] = ["damaged"]


def _ods_merges(path: Path, name: str) -> list[tuple[int, int, int, int]]:
    """Merged cells of one .ods sheet (calamine does not report them for ODS)."""
    try:
        with zipfile.ZipFile(path) as z:
            content = z.read("content.xml")
    except (zipfile.BadZipFile, KeyError, OSError):
        return []
    if b"number-rows-spanned" not in content and b"number-columns-spanned" not in content:
        return []
    t = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    out: list[tuple[int, int, int, int]] = []
    row = -1
    col = 0
    inside = False
    try:
        for event, el in ET.iterparse(io.BytesIO(content), events=("start", "end")):
            tag = el.tag
            if event == "start" and tag == f"{t}table":
                inside = el.get(f"{t}name") == name
                row = -1
            elif not inside:
                continue
            elif event == "start" and tag == f"{t}table-row":
                row += 1
                col = 0
            elif event == "end" and tag == f"{t}table-row":
                row += int(el.get(f"{t}number-rows-repeated", "1")) - 1
            elif event == "start" and tag in (f"{t}table-cell", f"{t}covered-table-cell"):
                rs = int(el.get(f"{t}number-rows-spanned", "1"))
                cs = int(el.get(f"{t}number-columns-spanned", "1"))
                if rs > 1 or cs > 1:
                    out.append((row, col, row + rs - 1, col + cs - 1))
                col += int(el.get(f"{t}number-columns-repeated", "1"))
            elif event == "end" and tag == f"{t}table":
                inside = False
    except ET.ParseError:
        return out
    return out


# -- CSV --------------------------------------------------------------------------------------------
def decode_csv(data: bytes, name: str) -> tuple[str, str]:
    """(text, encoding): UTF-8 with or without BOM, UTF-16 with BOM, else GB18030 (a superset of GBK)."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8", "gb18030")
    for enc in candidates:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise refuse("csv_encoding", f"无法识别文件「{name}」的文字编码（不是 UTF-8 或 GBK）。"
                 f"请在 Excel 或 WPS 中打开，另存为“CSV UTF-8”或 .xlsx 后再导入。")


class CsvBook(Book):
    def __init__(self, path: Path, limits: ImportLimits):
        super().__init__(path, "csv", limits)
        self.text, self.encoding = decode_csv(path.read_bytes(), path.name)
        if "\x00" in self.text[:4096]:
            raise refuse("not_a_spreadsheet", f"文件「{path.name}」不是文本格式的 CSV 文件。请导入 .xlsx、.xls、.ods 或 .csv 文件。")
        self.sheets = [SheetInfo(path.stem, True)]

    def _delimiter(self) -> str:
        lines = [ln for ln in self.text[:65536].splitlines()[:20] if ln.strip()]
        if lines and all("\t" in ln for ln in lines) and self.text.count("\t") >= self.text[:65536].count(","):
            return "\t"
        return ","

    def load(self, name: str) -> SheetData:
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self._delimiter())
        limits = self.limits

        def rows() -> Iterator[Row]:
            line = 1
            try:
                for values in reader:
                    if reader.line_num > limits.max_rows + ROWS_ABOVE:
                        raise too_many_rows(name, reader.line_num, limits)
                    yield line, list(values)
                    line = reader.line_num + 1
            except csv.Error:
                raise refuse("file_corrupt", f"文件「{self.path.name}」第 {line} 行附近的引号不成对，CSV 格式有误。"
                             f"请在 Excel 或 WPS 中打开检查，另存后再导入。", row=line) from None

        total = self.text.count("\n") + 1
        return SheetData(name, True, 0, total, rows())


def open_book(path: Path, limits: ImportLimits) -> Book:
    fmt = detect_format(path, limits)
    if fmt == "csv":
        return CsvBook(path, limits)
    return CalamineBook(path, fmt, limits)


__all__ = ["Book", "ImportLimits", "Row", "SheetData", "SheetInfo", "column_letter", "open_book"]
