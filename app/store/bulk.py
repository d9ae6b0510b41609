"""Writing many rows inside a session's transaction without making the caller wait for SQLite.

Storing 100,000 records costs SQLite a few seconds (the table's pages, seven indexes, the audit
rows), about as long as checking them costs Python. The two run side by side: the caller hands each
chunk of rows to a helper thread, which writes it with a few INSERT statements of 2,000 rows each.
SQLite releases the GIL for the whole of a statement, so the rows, pages and indexes are written on
a second core while the caller checks the next chunk (only binding a statement's values takes the
GIL from the caller, a few milliseconds a block). It stays one transaction on one connection: a failure or
a cancel anywhere rolls all of it back. The connection is only ever used by one thread at a time
(the caller waits until the helper is idle before it hands over the next chunk).
"""

from __future__ import annotations

import functools
import sqlite3
import sys
import threading
from collections.abc import Sequence
from itertools import chain

import orjson
from sqlalchemy import JSON, Table
from sqlalchemy.exc import DBAPIError

_BLOCK = 2000  # rows written a statement


def json_text(value: object) -> str:
    """Compact JSON with Chinese kept as UTF-8 rather than \\uXXXX escapes (a third of the bytes to
    write). orjson: half the time of the standard encoder on 100,000 records' fields and findings
    (0.6 s of an import of 100,000 rows); the same text for the str, int, None, list and dict values stored."""
    return orjson.dumps(value).decode()


_switching = threading.Lock()
_quick = 0  # bulk inserts running
_interval = 0.005


def _quick_switching(on: bool) -> None:
    """While a helper writes: the GIL handed over after 0.5 ms instead of 5 ms. The helper needs it
    back after each statement SQLite has run without it, and the caller's thread holds it all the
    time it checks records (100,000 rows: the caller then waited 0.2 s in all for a helper waiting
    for the GIL; at 0.5 ms, not at all). Bulk inserts may overlap; the last one restores the interval."""
    global _quick, _interval
    with _switching:
        if on:
            if _quick == 0:
                _interval = sys.getswitchinterval()
                sys.setswitchinterval(min(_interval, 0.0005))
            _quick += 1
        else:
            _quick -= 1
            if _quick == 0:
                sys.setswitchinterval(_interval)


def converters(table: Table, columns: Sequence[str], dialect) -> list:
    """Per column: the function that turns a Python value into what SQLite stores, or None.

    The values stored are those the ORM would store (JSON as JSON text, times as SQLAlchemy writes
    them), so the ORM reads the rows back unchanged; converted once per column type, not per row."""
    out = []
    for name in columns:
        type_ = table.c[name].type
        if isinstance(type_, JSON):
            out.append(json_text)
        else:
            # The dialect's own type: for SQLite, DateTime becomes text in SQLAlchemy's format (the
            # generic type has no processor, and sqlite3's deprecated adapter writes another format).
            proc = type_.dialect_impl(dialect).bind_processor(dialect)
            out.append(functools.lru_cache(maxsize=16)(proc) if proc is not None else None)
    return out


def json_bytes(value: object) -> bytearray:
    """A JSON column's value as the rows hand it over: orjson's UTF-8, turned into text by the
    statement (CAST … AS TEXT), which spares a decode and an encode a value. A bytearray rather than
    bytes: sqlite3 binds a bytearray as it is but first offers bytes to its adapters (a tuple, a
    dict lookup and two failed attribute lookups a value, with the GIL held): 2,000 rows a statement
    took 3.6 ms to bind, 2.0 ms as bytearrays, and the caller's thread waits while the helper binds."""
    return bytearray(orjson.dumps(value))


class BulkInsert:
    """Rows of `table` written in the session's transaction: `columns` vary from row to row (each
    row's values in that order), `same` holds the values every row shares (bound once a statement).

    `then` are statements run after each chunk has been written, each with its parameters, the
    shared values as :same_<column> and :chunk_after, the largest rowid before the chunk: they read
    the chunk as `WHERE rowid > :chunk_after` (the audit event of each new record, for instance).
    Use as a context manager; put() the rows in chunks. Leaving the block with an exception stops
    the helper first, so the caller's rollback finds the connection idle.

    A row holds each JSON column as json_bytes() gives it, made where the row is made (a second pass
    converting each chunk cost 0.1 s for 100,000 rows); no other column of `columns` may need converting."""

    def __init__(self, session, table: Table, columns: Sequence[str], same: dict[str, object] | None = None,
                 then: Sequence[tuple[str, dict]] = ()):
        self.conn = session.connection()
        self.raw = self.conn.connection.dbapi_connection
        self.table = table
        self.columns = tuple(columns)
        self.then = list(then)
        same = dict(same or {})
        # Columns left out get their model defaults, as the ORM would give them.
        for c in table.c:
            if c.name not in self.columns and c.name not in same and c.default is not None and c.default.is_scalar:
                same[c.name] = c.default.arg
        dialect = self.conn.dialect
        self.same = {name: (fn(value) if fn is not None and (value is not None or fn is json_text) else value)
                     for (name, value), fn in zip(same.items(), converters(table, list(same), dialect), strict=True)}
        self.convert = converters(table, self.columns, dialect)
        if any(fn is not None and fn is not json_text for fn in self.convert):
            raise ValueError("rows hand over their values as bound: only JSON columns may need converting")
        # One statement writes a block of rows. The shared values are its first parameters (?1 …),
        # named again in every row; a row's own follow as plain ?, numbered on from there. JSON is
        # bound as orjson's UTF-8 (json_bytes) and stored as text (CAST), which spares a decode per value.
        shared = [f"?{i + 1}" for i in range(len(self.same))]
        own = ["CAST(? AS TEXT)" if fn is json_text else "?" for fn in self.convert]
        self._row_marks = f"({', '.join([*shared, *own])})"
        self._insert_into = f"INSERT INTO {table.name} ({', '.join([*self.same, *self.columns])}) VALUES "
        # As many rows a statement as SQLite takes values (32,766 since 3.32; 999 before).
        limit = self.raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        self._block = max(1, min((limit - len(self.same)) // max(len(self.columns), 1), _BLOCK))
        self._sql_for: dict[int, str] = {}  # rows in a block -> its statement
        self._chunk: list[tuple] = []
        self._go = threading.Semaphore(0)  # the helper has a chunk to write (or is told to stop)
        self._idle = threading.Semaphore(1)  # the helper is not using the connection
        self._stop = False
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> BulkInsert:
        self._thread = threading.Thread(target=self._run, name="creditdesk-bulk-insert", daemon=True)
        _quick_switching(True)
        self._thread.start()
        return self

    def put(self, rows: Sequence[Sequence]) -> None:
        """Hand a chunk to the helper (once it is done with the previous one)."""
        if not rows:
            return
        chunk = list(rows)
        self._idle.acquire()
        if self._error is not None:
            self._idle.release()
            raise self._error
        self._chunk = chunk
        self._go.release()

    def _write(self, rows: list[tuple]) -> int:
        """The chunk, a block of rows a statement; returns the rowid of its last row (0 for none).
        sqlite3 binds a statement's values holding the GIL and runs it without: the caller's thread runs
        on while SQLite writes the block (written row by row, the helper would wait for the GIL after
        every row)."""
        shared = list(self.same.values())
        last = 0
        for start in range(0, len(rows), self._block):
            block = rows[start:start + self._block]
            sql = self._sql_for.get(len(block))
            if sql is None:
                sql = self._sql_for[len(block)] = self._insert_into + ", ".join([self._row_marks] * len(block))
            last = self.raw.execute(sql, shared + list(chain.from_iterable(block))).lastrowid
        return last

    def _run(self) -> None:
        same = {f"same_{name}": v for name, v in self.same.items()}
        then = [(sql, {**same, **params}) for sql, params in self.then]
        # The rows of a chunk get the rowids after the largest one, which is the last row of the
        # chunk before: the table is asked only once.
        before: int | None = None
        while True:
            self._go.acquire()
            if self._stop:
                return
            sql = ""
            try:
                if self._error is None:
                    if before is None:
                        sql = f"SELECT coalesce(max(rowid), 0) FROM {self.table.name}"
                        before = self.raw.execute(sql).fetchone()[0]
                    sql = self._insert_into
                    last = self._write(self._chunk)
                    for sql, params in then:
                        self.raw.execute(sql, {**params, "chunk_after": before})
                    before = last or before
            except sqlite3.Error as exc:  # handed to the caller's thread at its next put() or at the end
                # As SQLAlchemy would have raised it, so that the store turns a full disk into its message.
                self._error = DBAPIError.instance(sql, None, exc, sqlite3.Error)
            except BaseException as exc:
                self._error = exc
            finally:
                self._chunk = []
                self._idle.release()

    def _finish_helper(self) -> None:
        self._idle.acquire()  # wait until the last chunk is written
        self._stop = True
        self._go.release()
        if self._thread is not None:
            self._thread.join()
        _quick_switching(False)

    def __exit__(self, exc_type, exc, tb) -> None:
        self._finish_helper()
        if exc_type is not None:
            return  # the caller rolls back
        if self._error is not None:
            raise self._error
