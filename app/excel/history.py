"""The import history: which file (by SHA-256) was imported when, with what counts."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from app.clock import CHINA_TZ, now
from app.store.models import ImportHistory
from app.store.state import get_state, set_state


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class PastImport:
    file_name: str
    kind: str
    imported: int
    imported_at: datetime

    @property
    def when(self) -> str:
        at = self.imported_at if self.imported_at.tzinfo else self.imported_at.replace(tzinfo=CHINA_TZ)
        return at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def last_import(store, sha256: str) -> PastImport | None:
    """The latest import of a file with these bytes that stored records."""
    with store.session() as s:
        row = s.scalars(select(ImportHistory).where(ImportHistory.sha256 == sha256, ImportHistory.imported > 0)
                        .order_by(ImportHistory.imported_at.desc(), ImportHistory.id.desc())).first()
        if row is None:
            return None
        return PastImport(row.file_name, row.kind, row.imported, row.imported_at)


def record_import(session, *, file_name: str, sha256: str, kind: str, sheet: str | None, rows: int, valid: int,
                  invalid: int, imported: int, skipped: int, actor: str) -> None:
    """In the caller's transaction: the import's records and its history entry are stored together."""
    session.add(ImportHistory(file_name=file_name[:255], sha256=sha256, kind=kind,
                              sheet=(sheet or "")[:255] or None, rows=rows, valid=valid, invalid=invalid,
                              imported=imported, skipped=skipped, actor=actor[:64], imported_at=now()))


def history(store, limit: int = 100) -> list[ImportHistory]:
    with store.session() as s:
        return list(s.scalars(select(ImportHistory).order_by(ImportHistory.id.desc()).limit(limit)))


# -- column choices remembered per kind (domain.md §7: "save that mapping per template") ---------------
_MAPPING_KEY = "import_mapping:"


def remembered_choices(store, kind: str) -> tuple[dict[str, str], dict[str, str]]:
    """The clerk's earlier column choices for this kind: (header -> field code or "", code -> unit)."""
    with store.session() as s:
        return _choices(s, kind)


def _choices(session, kind: str) -> tuple[dict[str, str], dict[str, str]]:
    raw = get_state(session, _MAPPING_KEY + kind)
    try:
        doc = json.loads(raw) if raw else {}
    except ValueError:
        doc = {}
    mapping = doc.get("mapping") if isinstance(doc.get("mapping"), dict) else {}
    units = doc.get("units") if isinstance(doc.get("units"), dict) else {}
    return ({str(k): str(v) for k, v in mapping.items()}, {str(k): str(v) for k, v in units.items()})


def remember_choices(session, kind: str, mapping: dict[str, str], units: dict[str, str]) -> None:
    """Keep the choices of an import that stored records, for the next file with the same headers
    (in the caller's transaction)."""
    old_mapping, old_units = _choices(session, kind)
    doc = {"mapping": {**old_mapping, **mapping}, "units": {**old_units, **units}}
    set_state(session, _MAPPING_KEY + kind, json.dumps(doc, ensure_ascii=False))
