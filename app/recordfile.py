"""Records as a JSON file: an array of {"kind": "penalty", "fields": {"CF_XDR_MC": "...", ...}}."""

from __future__ import annotations

import json
from pathlib import Path

from app.errors import UserError

MAX_BYTES = 512 * 1024 * 1024
MALFORMED = "\x00malformed"


def read_records_json(path: str | Path) -> list[tuple[str, dict[str, object]]]:
    """Read the file; a missing, unreadable or malformed file is a UserError with a Chinese sentence.
    An element that is not a record object is kept (kind MALFORMED) so that its position still gets
    a finding and the indexes of the others stay right."""
    p = Path(path)
    name = p.name
    try:
        if p.stat().st_size > MAX_BYTES:
            raise UserError(f"文件 {name} 太大（超过 512 MB），请拆分后再处理。", "too_large")
        data = p.read_bytes()
    except FileNotFoundError:
        raise UserError(f"找不到文件：{path}", "not_found") from None
    except IsADirectoryError:
        raise UserError(f"{path} 是文件夹，不是记录文件。", "not_a_file") from None
    except OSError as exc:
        raise UserError(f"无法读取文件 {name}（{exc.strerror or exc.__class__.__name__}）。", "unreadable") from None
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise UserError(f"文件 {name} 不是 UTF-8 编码的 JSON 文件。", "bad_json") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"文件 {name} 不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列附近有错误）。",
                        "bad_json") from None
    if isinstance(doc, dict) and isinstance(doc.get("records"), list):
        doc = doc["records"]
    if not isinstance(doc, list):
        raise UserError(f"文件 {name} 的内容应为记录数组，例如 [{{\"kind\": \"penalty\", \"fields\": {{…}}}}]。",
                        "bad_json")
    out: list[tuple[str, dict[str, object]]] = []
    for item in doc:
        if isinstance(item, dict) and isinstance(item.get("fields"), dict):
            out.append((str(item.get("kind") or ""), item["fields"]))
        else:
            out.append((MALFORMED, {}))
    return out
