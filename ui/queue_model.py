"""The queue table: a lazy Qt model over the records table.

The model holds the row count and a few pages of rows around what is on screen, never the whole
table (Anki's card browser works the same way). Counting, filtering, searching and sorting are
SQL over the denormalised columns of `records`; a page is read with LIMIT/OFFSET only when the
view asks for one of its rows, so the scroll bar spans all records while memory stays flat.

Reads go through their own read-only SQLite connection with memory-mapped I/O: a full scan (a
search over 100,000 records) then costs tens of milliseconds instead of a hundred, and the core's
connections and transactions are left alone.

On a large store (BACKGROUND_FROM records and more) a new search, filter or sort is read on a worker
thread: at 1,000,000 records a search is a scan of most of a second, which would freeze the window.
The rows of the previous view stay on screen until the new ones are in; a newer request supersedes
the one running (its statement is interrupted, its late answer dropped by a generation number).
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QColor
from sqlalchemy import Text, and_, case, create_engine, event, false, func, or_, select, type_coerce
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import custom_op
from sqlalchemy.sql.schema import Column

from app import clock
from app.errors import UserError
from app.queue import conditions as queue_conditions
from app.queue import states as st
from app.store.models import Record
from app.validation.duplicates import doc_key
from app.workdays.deadline import BAND_LABELS, countdown, timeliness
from ui import style, tasks
from ui.widgets.formatting import cn_date, countdown_text, platform_text

log = logging.getLogger(__name__)

T = Record.__table__
C = T.c


def _tr(text: str) -> str:
    return QCoreApplication.translate("QueueModel", text)


ALL, DUE_SOON, OVERDUE = "all", "due_soon", "overdue"
VIEWS: tuple[tuple[str, str], ...] = (
    (ALL, "全部"), *((s, st.LABELS[s]) for s in st.STATES), (DUE_SOON, "即将到期"), (OVERDUE, "已逾期"))
# States a record not yet accepted by the platform can be in. Only a hint for the query planner
# (it lets SQLite use the state index for 已逾期); `outstanding` below is the definition.
_OPEN_STATES = (st.DRAFT, st.READY, st.SENDING, st.RETURNED)


def outstanding():
    """Still to be reported, as the monthly figures count it (one definition, in the core)."""
    return queue_conditions.outstanding(C)

COLUMNS = ("状态", "类别", "行政相对人名称", "文书号", "决定日期", "报送截止日", "剩余工作日", "平台意见")
COL_STATE, COL_KIND, COL_NAME, COL_DOC, COL_DECIDED, COL_DEADLINE, COL_LEFT, COL_PLATFORM = range(len(COLUMNS))

_has_message = and_(C.platform_message.is_not(None), type_coerce(C.platform_message, Text) != "null")
_state_order = case({s: i for i, s in enumerate(st.STATES)}, value=C.state, else_=len(st.STATES))
# Sort keys per column: (keys that always ascend, keys that follow the direction). Dates sort on
# their own index, so a page of 100,000 records is read without sorting them all; rows without a
# deadline (no decision date, or its year missing from the calendar) then come first when
# ascending, where they are seen: they need attention. Text columns have no index and put empty
# values last.
SORT_KEYS = {
    COL_STATE: ((), (_state_order,)),
    COL_KIND: ((), (C.kind,)),
    COL_NAME: ((C.subject_name.is_(None),), (C.subject_name,)),
    COL_DOC: ((C.doc_number.is_(None),), (C.doc_number,)),
    COL_DECIDED: ((), (C.decision_date,)),
    COL_DEADLINE: ((), (C.deadline,)),
    COL_LEFT: ((), (C.deadline,)),
    COL_PLATFORM: ((), (case((_has_message, 0), else_=1),)),
}
# Sorts read off an index in order: only for these can "the first rows of the table" be read
# cheaply, which QueueReader._filtered_first relies on.
INDEXED_SORTS = frozenset({COL_DECIDED, COL_DEADLINE, COL_LEFT})
PAGE_COLUMNS = (C.id, C.client_id, C.kind, C.state, C.subject_name, C.doc_number, C.decision_date, C.deadline,
                C.first_received_at, C.accepted_revision, C.platform_message, C.error_count, C.warning_count)


@dataclass(frozen=True)
class QueueFilter:
    view: str = ALL
    kind: str | None = None
    state: str | None = None
    date_from: str | None = None  # ISO dates, inclusive, on the decision date
    date_to: str | None = None
    search: str = ""

    def but(self, **changes) -> QueueFilter:
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Row:
    client_id: str
    kind: str
    state: str
    texts: tuple[str, ...]
    colors: dict[int, style.Pair]
    tips: dict[int, str]


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_condition(text: str):
    """Every word must appear in one of: name, document number (also in its normalised form, so
    〔2026〕 finds [2026]), the subject's 统一社会信用代码/注册号, the platform's id or its reasons."""
    words = text.split()[:8]
    if not words:
        return None
    per_word = []
    for word in words:
        p = _like(word)
        ors = [C.subject_name.like(p, escape="\\"), C.doc_number.like(p, escape="\\")]
        key = doc_key(word)
        if key and key != word:
            ors.append(C.doc_key.like(_like(key), escape="\\"))
        if word.isascii() and word.isalnum():
            # Only real codes: a hashed personal key ("P:…") must never match digits typed by chance.
            ors.append(and_(func.substr(C.subject_key, 1, 2).in_(("U:", "G:")),
                            C.subject_key.like(_like(word.upper()), escape="\\")))
            ors.append(C.platform_id.like(p, escape="\\"))
        # The JSON column keeps non-ASCII text as \uXXXX escapes; look for both spellings. Most
        # records hold JSON null there, skipped before any LIKE.
        message = type_coerce(C.platform_message, Text)
        escaped = json.dumps(word)[1:-1]
        spellings = [message.like(p, escape="\\")]
        if escaped != word:
            spellings.append(message.like(_like(escaped), escape="\\"))
        ors.append(and_(message != "null", or_(*spellings)))
        per_word.append(or_(*ors))
    return and_(*per_word)


def _no_index(expr):
    """The same condition or sort key with the records' columns behind a unary plus, which keeps
    SQLite from using an index for them (the way SQLite's documentation gives). The values are
    unchanged; the queue's columns hold values of their declared types, so the affinity the plus
    drops changes no comparison."""
    def swap(element):
        if isinstance(element, Column) and element.table is T:
            return UnaryExpression(element, operator=custom_op("+"), type_=element.type)
        return None

    return visitors.replacement_traverse(expr, {}, swap)


def due_window(calendar, today: date, due_soon_days: int) -> tuple[str, str] | None:
    """The deadlines the countdown puts in "due today" or "due soon", as an inclusive ISO range.

    Asked once per refresh from app.workdays.deadline.countdown itself, so the band rules are not
    rewritten here; the bands only grow with the date, so the days form one range from today.
    """
    last = None
    day = today
    for _ in range(366):
        band = countdown(calendar, day, today, due_soon_days).band
        if band in ("due_today", "due_soon"):
            last = day
        elif day > today:
            break
        day += timedelta(days=1)
    return (today.isoformat(), last.isoformat()) if last else None


class QueueReadError(UserError):
    code = "queue_read"


READ_FAILED = ("读取记录时出错，表格仍显示之前的内容。请稍后重试；如果一直出现，"
               "请重新启动程序或联系技术支持（详细信息已写入日志）。")


class QueryStop:
    """Lets the GUI thread stop the statement a worker is running for a view the clerk has left.

    Connection.interrupt() is the one sqlite3 call meant to come from another thread. The lock ties
    it to this query's statements: once the worker has let go of its connection (and the pool may
    have handed it to someone else) nothing is interrupted any more."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._raw = None
        self.stopped = False

    def stop(self) -> None:
        with self._lock:
            self.stopped = True
            if self._raw is not None:
                self._raw.interrupt()

    @contextmanager
    def running_on(self, raw) -> Iterator[None]:
        with self._lock:
            if self.stopped:
                raise _Stopped
            self._raw = raw
        try:
            yield
        finally:
            with self._lock:
                self._raw = None


class _Stopped(Exception):
    pass


class QueueReader:
    """SQL over the records table for the queue view: counts, one page, the ids of row ranges.

    Every method opens its own pooled connection, so the GUI thread and worker threads may call it
    at the same time (each on a connection of its own)."""

    # How many rows of the table, in sort order, _filtered_first looks through for a first page:
    # a short look, then a long one (past that, reading all matches is the better bet).
    PROBE_SHORT = 2_000
    PROBE_ROWS = 20_000
    # A search scans the whole table (0.7-0.9 s at 1,000,000 records). Reading a later page the same
    # way on the GUI thread while the clerk scrolls would freeze the window, so the search keeps the
    # ids of up to this many results (a few hundred KB) and the pages are read by id.
    KEEP_IDS = 20_000

    def __init__(self, db_path: Path, calendar, due_soon_days: int = 2):
        self.engine = _read_engine(db_path)
        self.calendar = calendar
        self.due_soon_days = due_soon_days
        self.today = clock.today()
        self.window: tuple[str, str] | None = None
        self.recompute()

    def close(self) -> None:
        self.engine.dispose()

    def recompute(self, calendar=None, due_soon_days: int | None = None) -> None:
        """Today and the due-soon range (again after midnight, a new calendar or new settings)."""
        if calendar is not None:
            self.calendar = calendar
        if due_soon_days is not None:
            self.due_soon_days = due_soon_days
        self.today = clock.today()
        self.window = due_window(self.calendar, self.today, self.due_soon_days)

    def _view(self, view: str) -> list:
        if view in st.STATES:
            return [C.state == view]
        if view == OVERDUE:
            return [C.state.in_(_OPEN_STATES), outstanding(), C.deadline < self.today.isoformat()]
        if view == DUE_SOON:
            if self.window is None:
                return [false()]
            # No state hint here: with it SQLite walked every open record (0.45 s at 1,000,000
            # records, 17 % of them open); the few days of deadlines are a short range of their index.
            return [outstanding(), C.deadline.between(*self.window)]
        return []

    def where(self, f: QueueFilter) -> list:
        conds = self._view(f.view)
        if f.kind:
            conds.append(C.kind == f.kind)
        if f.state:
            conds.append(C.state == f.state)
        if f.date_from:
            conds.append(C.decision_date >= f.date_from)
        if f.date_to:
            conds.append(C.decision_date <= f.date_to)
        found = search_condition(f.search)
        if found is not None:
            conds.append(found)
        return conds

    @staticmethod
    def order(sort_column: int, descending: bool, reverse: bool = False, indexed: bool = True) -> list:
        """ORDER BY for a column; `reverse` gives the exact opposite total order (see page()).
        indexed=False: the same order, written so that SQLite cannot read it off an index (a unary
        plus, as SQLite's documentation suggests), so that it takes the filter's index instead."""
        fixed, directed = SORT_KEYS.get(sort_column, SORT_KEYS[COL_DEADLINE])
        if not indexed:
            directed = tuple(_no_index(k) for k in directed)
        down = descending != reverse
        keys = [*(k.desc() if reverse else k for k in fixed), *(k.desc() if down else k for k in directed)]
        return [*keys, C.id.desc() if down else C.id]

    def size_hint(self) -> int:
        """About how many records the store holds, at once (the highest id: records are never
        deleted). Decides whether reads go to a worker thread."""
        with self.engine.connect() as c:
            return self._size_hint(c)

    @staticmethod
    def _size_hint(c) -> int:
        return c.execute(select(C.id).order_by(C.id.desc()).limit(1)).scalar() or 0

    def count(self, f: QueueFilter) -> int:
        with self.engine.connect() as c:
            return self._count(c, f)

    def _count(self, c, f: QueueFilter) -> int:
        return c.execute(select(func.count()).select_from(T).where(*self.where(f))).scalar_one()

    def page(self, f: QueueFilter, sort: tuple[int, bool], offset: int, limit: int,
             total: int | None = None) -> list:
        """Rows offset … offset+limit-1 in view order. A page in the second half of the view is read
        from the other end (the same rows in the opposite order, reversed here): a sort without an
        index then keeps the few rows it needs instead of nearly all of them."""
        with self.engine.connect() as c:
            return self._page(c, f, sort, offset, limit, total)

    def _page(self, c, f: QueueFilter, sort: tuple[int, bool], offset: int, limit: int,
              total: int | None = None) -> list:
        reverse = total is not None and offset > total // 2
        if reverse:
            limit = min(limit, total - offset)
            offset = total - offset - limit
        order = self.order(*sort, reverse=reverse)
        # Deferred join: the ids of the page first (from an index alone when no filter needs the
        # table, so a jump to the end does not walk 100,000 rows), then only those rows.
        ids = select(C.id).where(*self.where(f)).order_by(*order).limit(limit).offset(offset)
        rows = self._rows(c, C.id.in_(ids.scalar_subquery()), order)
        if reverse:
            rows.reverse()
        return rows

    def first_page_counted(self, f: QueueFilter, sort: tuple[int, bool], limit: int) -> tuple[list, int]:
        """The first page and the number of rows in the view, from one pass over the table: a search
        cannot use an index, and counting in a second scan would double its time."""
        with self.engine.connect() as c:
            return self._first_page_counted(c, f, sort, limit)

    def _first_page_counted(self, c, f: QueueFilter, sort: tuple[int, bool], limit: int,
                            indexed: bool = True, keep: int = 0) -> tuple[list, int, list[int] | None]:
        """With `keep`, also the ids of the view's first `keep` rows in order (None when it has more):
        the later pages of a search are then read by id, not by searching the whole table again."""
        order = self.order(*sort)
        q = (select(C.id, func.count().over()).where(*self.where(f))
             .order_by(*(order if indexed else self.order(*sort, indexed=False))).limit(max(limit, keep)))
        found = c.execute(q).all()
        if not found:
            return [], 0, [] if keep else None
        ids = [i for i, _n in found]
        total = found[0][1]
        return self._rows(c, C.id.in_(ids[:limit]), order), total, ids if keep and len(ids) == total else None

    def _filtered_first(self, c, f: QueueFilter, sort: tuple[int, bool], limit: int) -> tuple[list, int] | None:
        """The first page and count of a filtered view sorted on an index. SQLite has no statistics
        here and guessed badly either way, so the plan is chosen by trying.

        First a look among the first rows of the table in sort order (PROBE_SHORT, then PROBE_ROWS):
        any match outside them comes after all of them, so a full page found there is the view's
        first page. Without this SQLite took the filter's own index and sorted every match (0.3 s
        for the 300,000 records of one kind at 1,000,000 records, against 25 ms). When the matches
        are few or come late, all of them are read from the filter's index, sorted, and counted in
        the same pass, the sort index kept out of the plan: SQLite would otherwise walk the sort
        index testing row after row (0.4 s for a week of decision dates, against 3 ms), and a count
        of its own would read them twice (a kind and a date range: 0.6 s against 0.37 s). The price:
        about 15 ms of looking in vain for a small view, and a large view whose matches all come
        late (accepted records, newest deadline first) takes 1.1 s instead of 0.8 s."""
        conds = self.where(f)
        if not conds or sort[0] not in INDEXED_SORTS:
            return None
        order = self.order(*sort)
        # The filter kept off its index too: the probe's rows are looked up by id (12 ms), where
        # SQLite preferred to walk the 300,000 entries of a kind in its index (60 ms).
        plain = [_no_index(cond) for cond in conds]
        for look in (self.PROBE_SHORT, self.PROBE_ROWS):
            head = select(C.id).order_by(*order).limit(look).scalar_subquery()
            ids = c.execute(select(C.id).where(C.id.in_(head), *plain).order_by(*order).limit(limit)).scalars().all()
            if len(ids) == limit:
                return self._rows(c, C.id.in_(ids), order), self._count(c, f), None
        return self._first_page_counted(c, f, sort, limit, indexed=False)

    @staticmethod
    def _stoppable(c, stop: QueryStop | None):
        return stop.running_on(c.connection.dbapi_connection) if stop is not None else nullcontext()

    def first(self, f: QueueFilter, sort: tuple[int, bool], limit: int,
              stop: QueryStop | None = None) -> tuple[list, int, list[int] | None] | None:
        """The first page of a view, its number of rows and, for a search, the ids of all its rows
        when there are at most KEEP_IDS (see page_of_ids); on one connection (from any thread).

        None when `stop` stopped it: the clerk asked for another view meanwhile. A failing database
        (a damaged file, a vanished folder) becomes a QueueReadError in Chinese; the log gets
        SQLite's own words only, never the statement's parameters (a search may hold an ID number)."""
        try:
            with self.engine.connect() as c, self._stoppable(c, stop):
                if f.search:
                    return self._first_page_counted(c, f, sort, limit, keep=self.KEEP_IDS)
                found = self._filtered_first(c, f, sort, limit)
                if found is not None:
                    return found
                # A first page that is not full is the whole view: no count needed.
                rows = self._page(c, f, sort, 0, limit)
                return rows, (len(rows) if len(rows) < limit else self._count(c, f)), None
        except _Stopped:
            return None
        except DBAPIError as exc:
            if stop is not None and stop.stopped:
                return None  # interrupted on purpose
            log.warning("reading the queue failed: %s", exc.orig)
            raise QueueReadError(_tr(READ_FAILED)) from None

    def page_of_ids(self, ids: list[int], sort: tuple[int, bool]) -> list:
        """The rows of these ids, in view order: a page of a search whose ids `first` kept."""
        with self.engine.connect() as c:
            return self._rows(c, C.id.in_(ids), self.order(*sort))

    @staticmethod
    def _rows(c, which, order) -> list:
        rows = c.execute(select(*PAGE_COLUMNS).where(which).order_by(*order)).all()
        need = [r.id for r in rows if r.platform_message]
        # Only records with platform reasons need their fields (to mask ID numbers quoted in them).
        fields = dict(c.execute(select(C.id, C.fields).where(C.id.in_(need))).all()) if need else {}
        return [(r, fields.get(r.id)) for r in rows]

    def client_ids(self, f: QueueFilter, sort: tuple[int, bool], ranges: list[tuple[int, int]]) -> list[str]:
        """client_ids of the rows in the given inclusive (first, last) row ranges, in view order."""
        out: list[str] = []
        where, order = self.where(f), self.order(*sort)
        with self.engine.connect() as c:
            for first, last in ranges:
                q = select(C.client_id).where(*where).order_by(*order).limit(last - first + 1).offset(first)
                out += c.execute(q).scalars().all()
        return out

    def client_ids_of(self, ids: list[int]) -> list[str]:
        """client_ids of these records, in the order given."""
        found: dict[int, str] = {}
        with self.engine.connect() as c:
            for start in range(0, len(ids), 500):
                found.update(c.execute(select(C.id, C.client_id).where(C.id.in_(ids[start:start + 500]))).all())
        return [found[i] for i in ids if i in found]

    def view_counts(self) -> dict[str, int]:
        with self.engine.connect() as c:
            counts = {s: 0 for s in st.STATES}
            counts.update(dict(c.execute(select(C.state, func.count()).group_by(C.state)).all()))
            counts[ALL] = sum(counts[s] for s in st.STATES)
            for view in (DUE_SOON, OVERDUE):
                counts[view] = c.execute(select(func.count()).select_from(T).where(*self._view(view))).scalar_one()
        return counts


def _read_engine(path: Path) -> Engine:
    # The GUI thread and up to QueueModel.WORKERS worker threads each hold a connection at a time.
    engine = create_engine(f"sqlite:///{path}", pool_size=2, max_overflow=4)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA query_only=1")  # this connection only ever reads
        cur.execute("PRAGMA busy_timeout=5000")
        cur.execute("PRAGMA mmap_size=1073741824")  # address space only; pages come from the OS cache
        cur.execute("PRAGMA cache_size=-32768")
        cur.close()

    return engine


class RowMaker:
    """Turns a page row into what the table shows (texts, colours, tool tips), once per fetch."""

    def __init__(self, ctx, reader: QueueReader):
        catalog = ctx.catalogs.active()
        self.kinds = catalog.kinds
        self.reader = reader
        self.head, self.tail = ctx.settings.mask_keep_head, ctx.settings.mask_keep_tail

    def make(self, r, fields: dict | None) -> Row:
        kind = self.kinds.get(r.kind)
        texts = [""] * len(COLUMNS)
        colors: dict[int, style.Pair] = {COL_STATE: style.STATE_COLORS.get(r.state, style.STATE_COLORS[st.DRAFT])}
        tips: dict[int, str] = {}
        state = _tr(st.LABELS.get(r.state, r.state))
        if r.error_count:
            tips[COL_STATE] = _tr("{n} 处错误，{w} 处提醒").format(n=r.error_count, w=r.warning_count or 0)
            state += _tr("（{n} 处错误）").format(n=r.error_count)
        texts[COL_STATE] = state
        texts[COL_KIND] = kind.label if kind else r.kind
        texts[COL_NAME] = r.subject_name or ""
        texts[COL_DOC] = r.doc_number or ""
        texts[COL_DECIDED] = cn_date(r.decision_date)
        texts[COL_DEADLINE] = cn_date(r.deadline) if r.deadline else _tr("未知")
        texts[COL_LEFT], band, tip = self._left(r)
        if band and band != "normal":  # a normal countdown keeps the theme's colours
            colors[COL_LEFT] = style.BAND_COLORS[band]
        tips[COL_LEFT] = tip
        if r.platform_message:
            texts[COL_PLATFORM] = platform_text(kind, r.platform_message, fields, self.head, self.tail)
            tips[COL_PLATFORM] = texts[COL_PLATFORM]
            colors[COL_PLATFORM] = style.SEVERITY_COLORS["platform"]
        return Row(r.client_id, r.kind, r.state, tuple(texts), colors, tips)

    def _left(self, r) -> tuple[str, str | None, str]:
        deadline = date.fromisoformat(r.deadline) if r.deadline else None
        if r.accepted_revision or r.first_received_at:
            # Received by the platform: lateness is judged once, on the first receipt.
            judged = timeliness(deadline, r.first_received_at)
            if judged == "on_time":
                return _tr("按时"), "on_time", _tr("平台接收日期不晚于报送截止日")
            if judged == "late":
                return _tr("迟报"), "late", _tr("平台接收日期晚于报送截止日")
            return _tr("已报送"), None, _tr("截止日或接收时间未知，无法判断是否按时")
        if r.state == st.WITHDRAWN:
            return "—", None, _tr("已撤销，不再报送")
        cd = countdown(self.reader.calendar, deadline, self.reader.today, self.reader.due_soon_days)
        return countdown_text(cd), cd.band, _tr(BAND_LABELS[cd.band])


class QueueModel(QAbstractTableModel):
    PAGE_SIZE = 100
    MAX_PAGES = 8  # pages kept around the visible rows; older ones are dropped
    # From this many records on, views are read on a worker thread (and the window's view counts
    # too). Below it a read takes a few milliseconds and the table changes at once, which keeps the
    # small case simple.
    BACKGROUND_FROM = 50_000
    # The query for the view asked for, one being stopped, and the view counts.
    WORKERS = 3

    loading_changed = Signal(bool)  # True while the rows of a new view are being read
    load_failed = Signal(str)  # a Chinese message; the previous rows stay on screen
    refreshed = Signal(bool)  # the rows of the view asked for are shown; True: the same view as before

    def __init__(self, ctx, parent: QObject | None = None, *, load: bool = True):
        """load=False: start empty; the owner sets sort and filter, then calls refresh() once."""
        super().__init__(parent)
        self.ctx = ctx
        self.reader = QueueReader(ctx.store.path, ctx.calendar, ctx.settings.due_soon_days)
        self.maker = RowMaker(ctx, self.reader)
        # What was asked for; `_shown` is what the count and the pages belong to. They differ while
        # a new view is read in the background, when the old rows stay on screen.
        self._filter = QueueFilter()
        self._sort: tuple[int, bool] = (COL_DEADLINE, False)
        self._shown: tuple[QueueFilter, tuple[int, bool]] = (self._filter, self._sort)
        self._count = 0
        self._ids: list[int] | None = None  # every row's id, in order, when a search kept them
        self._pages: OrderedDict[int, list[Row]] = OrderedDict()
        self.rows_fetched = 0  # how many rows were read from SQL so far (tests check it stays bounded)
        self.loaded = False
        self.loading = False
        self._generation = 0  # of the last request; an answer to an older one is dropped
        self._stop: QueryStop | None = None
        # A pool of its own: the global one (as many threads as cores) may be busy for minutes with
        # an import or a sync, and a search must not wait behind them.
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(self.WORKERS)
        if load:
            self.refresh()

    # -- what is shown -------------------------------------------------------------------------------
    @property
    def filter(self) -> QueueFilter:
        return self._filter

    def set_filter(self, f: QueueFilter) -> None:
        if f != self._filter:
            self._filter = f
            if self.loaded:
                self.refresh()

    @property
    def sort_key(self) -> tuple[int, bool]:
        return self._sort

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = (column, order == Qt.SortOrder.DescendingOrder)
        if key != self._sort:
            self._sort = key
            if self.loaded:
                self.refresh()

    def in_background(self) -> bool:
        """Whether the store is large enough for reads to go to a worker thread."""
        try:
            return self.reader.size_hint() >= self.BACKGROUND_FROM
        except DBAPIError as exc:
            log.warning("the size of the queue is unknown: %s", exc.orig)
            return True  # the read itself then fails, in the background, with a message

    def refresh(self) -> None:
        """Count again and forget the pages: called after any change to the records.

        On a large store this only starts the read: the rows arrive later (`refreshed`), and a
        refresh asked for meanwhile replaces this one."""
        self.loaded = True
        self.reader.recompute(self.ctx.calendar, self.ctx.settings.due_soon_days)
        self.maker = RowMaker(self.ctx, self.reader)  # the catalog or settings may have changed
        self._generation += 1
        self._stop_running()
        want = (self._filter, self._sort)
        if not self.in_background():
            try:
                result = self.reader.first(*want, self.PAGE_SIZE)
            except UserError as exc:
                self._failed(self._generation, exc.message)
            else:
                self._show(want, result)
            return
        generation, reader, limit = self._generation, self.reader, self.PAGE_SIZE
        stop = self._stop = QueryStop()
        self._set_loading(True)
        tasks.run_task(lambda _task: reader.first(*want, limit, stop),
                       on_done=lambda result: self._arrived(generation, want, result),
                       on_error=lambda _code, message: self._failed(generation, message), pool=self.pool)

    def _arrived(self, generation: int, want, result) -> None:
        if generation != self._generation or result is None:
            return  # superseded (or the model is closed)
        self._stop = None
        self._show(want, result)

    def _show(self, want: tuple[QueueFilter, tuple[int, bool]], result: tuple[list, int, list[int] | None]) -> None:
        rows, count, ids = result
        same = want == self._shown
        self.beginResetModel()
        self._shown = want
        self._ids = ids
        self._pages.clear()
        self._count = count
        self._keep(0, rows)
        self.endResetModel()
        self._set_loading(False)
        self.refreshed.emit(same)

    def _failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self._stop = None
        self._set_loading(False)
        self.load_failed.emit(message)

    def _set_loading(self, loading: bool) -> None:
        if loading != self.loading:
            self.loading = loading
            self.loading_changed.emit(loading)

    def _stop_running(self) -> None:
        if self._stop is not None:
            self._stop.stop()
            self._stop = None

    def close(self) -> None:
        self._generation += 1  # whatever is still running reports to nobody
        self._stop_running()
        self.pool.waitForDone()
        self.reader.close()

    # -- rows ----------------------------------------------------------------------------------------
    def row(self, n: int) -> Row | None:
        if not 0 <= n < self._count:
            return None
        number = n // self.PAGE_SIZE
        page = self._pages.get(number)
        if page is None:
            page = self._load(number)
        else:
            self._pages.move_to_end(number)
        i = n - number * self.PAGE_SIZE
        return page[i] if i < len(page) else None

    def _load(self, number: int) -> list[Row]:
        start = number * self.PAGE_SIZE
        if self._ids is not None:
            rows = self.reader.page_of_ids(self._ids[start:start + self.PAGE_SIZE], self._shown[1])
        else:
            rows = self.reader.page(*self._shown, start, self.PAGE_SIZE, self._count if number else None)
        return self._keep(number, rows)

    def _keep(self, number: int, rows: list) -> list[Row]:
        self.rows_fetched += len(rows)
        page = [self.maker.make(r, fields) for r, fields in rows]
        self._pages[number] = page
        while len(self._pages) > self.MAX_PAGES:
            self._pages.popitem(last=False)
        return page

    def loaded_rows(self) -> int:
        return sum(len(p) for p in self._pages.values())

    def cached_client_id(self, n: int) -> str | None:
        """The record on row n if its page is loaded; never reads."""
        page = self._pages.get(n // self.PAGE_SIZE)
        i = n % self.PAGE_SIZE
        return page[i].client_id if page is not None and i < len(page) else None

    def client_id(self, n: int) -> str | None:
        r = self.row(n)
        return r.client_id if r else None

    def row_of(self, client_id: str) -> int | None:
        """The row of a record among the pages already loaded (None when not on screen)."""
        for number, page in self._pages.items():
            for i, r in enumerate(page):
                if r.client_id == client_id:
                    return number * self.PAGE_SIZE + i
        return None

    def client_ids(self, ranges: list[tuple[int, int]]) -> list[str]:
        """Of the rows on screen, which may still be those of the previous view."""
        if self._ids is not None:
            return self.reader.client_ids_of([self._ids[n] for first, last in ranges
                                              for n in range(first, min(last + 1, len(self._ids)))])
        return self.reader.client_ids(*self._shown, ranges)

    # -- QAbstractTableModel -------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self.row(index.row())
        if r is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return r.texts[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            return r.tips.get(col) or (r.texts[col] if col in (COL_NAME, COL_DOC) else None)
        if role == Qt.ItemDataRole.ForegroundRole and col in r.colors:
            return QColor(r.colors[col][0])
        if role == Qt.ItemDataRole.BackgroundRole and col in r.colors:
            return QColor(r.colors[col][1])
        if role == Qt.ItemDataRole.UserRole:
            return r.client_id
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _tr(COLUMNS[section])
        return None
