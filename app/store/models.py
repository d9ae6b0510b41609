"""SQLAlchemy models of the local store.

Field values of a record live in one JSON column (`fields`): the catalog, not the schema, decides
which fields a kind has, so adding a field is a catalog change. The columns beside it are the
values the queue is searched, sorted and counted by.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Record(Base):
    __tablename__ = "records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # The highest revision the platform has stored (0: never accepted); an edit after that is a new revision.
    accepted_revision: Mapped[int] = mapped_column(Integer, default=0)
    fields: Mapped[dict] = mapped_column(JSON)
    catalog_version: Mapped[str] = mapped_column(String(64))
    # Denormalised from `fields` for listing, sorting and duplicate detection.
    subject_name: Mapped[str | None] = mapped_column(String(200))
    subject_key: Mapped[str | None] = mapped_column(String(128))
    doc_number: Mapped[str | None] = mapped_column(String(128))
    doc_key: Mapped[str | None] = mapped_column(String(128))
    decision_date: Mapped[str | None] = mapped_column(String(10))
    deadline: Mapped[str | None] = mapped_column(String(10))
    # Findings of the last validation: [{"field", "severity", "rule", "message"}].
    findings: Mapped[list] = mapped_column(JSON, default=list)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    warning_count: Mapped[int] = mapped_column(Integer, default=0)
    platform_id: Mapped[str | None] = mapped_column(String(64))
    # The platform's reasons: [{"field", "code", "message"}] or a feedback reason; null when none.
    platform_message: Mapped[list | None] = mapped_column(JSON)
    # Receipt time of the first accepted revision (lateness is judged on its local date).
    first_received_at: Mapped[str | None] = mapped_column(String(40))
    # Set when the record is edited while a batch holding it is in flight.
    edited_while_sending: Mapped[int] = mapped_column(Integer, default=0)
    pending_action: Mapped[str] = mapped_column(String(16), default="create")
    # The batch holding this record while it is being sent.
    batch_key: Mapped[str | None] = mapped_column(String(36))
    withdraw_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_records_state_kind", "state", "kind"),
        Index("ix_records_kind_doc", "kind", "doc_key"),
        Index("ix_records_deadline", "deadline"),
        Index("ix_records_decision_date", "decision_date"),
        # Sorting the queue table by name or document number reads these (issue 6).
        Index("ix_records_subject_name", "subject_name"),
        Index("ix_records_doc_number", "doc_number"),
    )


class AuditEvent(Base):
    """Append-only: rows are inserted, never updated or deleted."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("records.client_id", ondelete="RESTRICT"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    old_state: Mapped[str | None] = mapped_column(String(16))
    new_state: Mapped[str | None] = mapped_column(String(16))
    # {"fields": {code: [old, new]}, ...}; personal ID numbers are masked here.
    detail: Mapped[dict | None] = mapped_column(JSON)


class CatalogVersion(Base):
    """Every catalog document the client has accepted, by version; one is active."""

    __tablename__ = "catalogs"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    document: Mapped[dict] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(16))  # bundled | platform | file
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    active: Mapped[int] = mapped_column(Integer, default=0)


class CalendarYear(Base):
    """A working-day calendar year from a source other than the bundled tables."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)  # file | platform
    # The platform's /calendar/{year} document: {"year", "holidays", "workdays", "source", ...}
    document: Mapped[dict] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))



class SyncBatch(Base):
    """A batch of records sent (or about to be sent) to the platform, written before the request
    leaves: after a crash the same body goes out again with the same Idempotency-Key."""

    __tablename__ = "sync_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(36), unique=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)  # exactly the bytes sent
    client_ids: Mapped[list] = mapped_column(JSON)
    # pending: the outcome is not known yet; done: the answer was applied; abandoned: a 4xx said
    # nothing was stored (the records went back to the queue).
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    batch_id: Mapped[str | None] = mapped_column(String(64))  # the platform's
    received_at: Mapped[str | None] = mapped_column(String(40))


class SyncState(Base):
    """Small named values of the sync: catalog ETag, list and feedback cursors, times."""

    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)


class BlacklistEntry(Base):
    """The local copy of the 严重失信主体名单 (only entries currently on the list)."""

    __tablename__ = "blacklist_entries"

    entry_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_name: Mapped[str | None] = mapped_column(String(200), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    id_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    list_name: Mapped[str] = mapped_column(String(200))
    listed_on: Mapped[str | None] = mapped_column(String(10))


class ImportHistory(Base):
    """One row per spreadsheet import that stored records: the same file (by SHA-256) imported again
    is asked about before it makes duplicates."""

    __tablename__ = "import_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    sheet: Mapped[str | None] = mapped_column(String(255))
    rows: Mapped[int] = mapped_column(Integer)
    valid: Mapped[int] = mapped_column(Integer)
    invalid: Mapped[int] = mapped_column(Integer)
    imported: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
