"""Step-time tallies: how long cases stayed in each step, per place and month.

Every time the engine moves a case out of a state (``_write``, in the same transaction as
the audit event), the stay — the move's moment less the moment the case entered that
state, read from the case row before the UPDATE overwrites ``state_entered_at`` — adds
one case to a row keyed by procedure, China-time month of leaving, village path, state
and a fixed duration bucket (``BOUNDS``), with its seconds and whether it overran the
step's own time limit (a ``state:`` limit of the case's definition, counted in working or
calendar days as ``timelimits.status`` counts them; a 督办's new date is not considered).

A stay is added to the rows of the case's own place and of every place above it (a
village case: village, township, county, city), so the bottleneck view of any place and
month reads that place's own rows — a few hundred, whatever the number of cases — for the
count, the mean, the median and the 90th percentile (as the bucket they fall in) and the
count over the limit. (Summing the villages' rows by path prefix read 220,000 rows for a
city month at 1,000,000 cases: 190 ms.) ``rebuild`` recomputes the
table from the trail (consecutive state-changing events of a case give the stay) and
``differences`` compares the two (``flask audit tallies``).
"""
from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import bindparam, cast, func, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from workflow.audit.chain import MOVE_ACTION
from workflow.audit.models import AuditEvent
from workflow.calendar import workdays
from workflow.cases import step_stays
from workflow.cases.models import Case
from workflow.engine import store
from workflow.extensions import db

HOUR, DAY = 3600, 86400
# Upper bounds (seconds) of the duration buckets: hours up to 2 days, half days up to
# 14, days up to 60, weeks up to 186, then 30 days up to 366; the last bucket is open.
BOUNDS: tuple[int, ...] = (
    *(h * HOUR for h in range(1, 49)),
    *(d * DAY // 2 for d in range(5, 29)),
    *(d * DAY for d in range(15, 61)),
    *(d * DAY for d in range(67, 187, 7)),
    *(d * DAY for d in range(216, 367, 30)),
)
TOP = len(BOUNDS)  # the bucket of stays of a year or more

Key = tuple[str, str, str, str, int]  # procedure, month, path, state, bucket
COLUMNS = ("procedure", "month", "jurisdiction_path", "state", "bucket",
           "cases", "over_limit", "seconds")


class StepTimeTally(db.Model):
    __tablename__ = "step_time_tallies"

    procedure: Mapped[str] = mapped_column(db.String(48), primary_key=True)
    month: Mapped[str] = mapped_column(db.String(7), primary_key=True)  # of leaving
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), primary_key=True)
    state: Mapped[str] = mapped_column(db.String(48), primary_key=True)
    bucket: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    cases: Mapped[int] = mapped_column(default=0)
    over_limit: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[int] = mapped_column(db.BigInteger, default=0)


def bucket_of(seconds: float) -> int:
    """The bucket of a stay: BOUNDS[i - 1] <= seconds < BOUNDS[i]."""
    return bisect_right(BOUNDS, max(seconds, 0))


def bucket_text(bucket: int) -> str:
    """约 5 小时 / 约 3.5 天 / 1 年以上: a bucket by its upper bound."""
    if bucket >= TOP:
        return "1 年以上"
    upper = BOUNDS[bucket]
    if upper <= 2 * DAY:
        return f"约 {upper // HOUR} 小时"
    days = upper / DAY
    return f"约 {days:g} 天"


def duration_text(seconds: float) -> str:
    """3 小时 / 2.5 天: a stay or a mean, rounded for a page."""
    if seconds < 2 * DAY:
        return f"{seconds / HOUR:.1f} 小时"
    return f"{seconds / DAY:.1f} 天"


CHINA_OFFSET = dt.timedelta(hours=8)  # China Standard Time, no daylight saving (as SQL's)


def _local_day(moment: dt.datetime) -> dt.date:
    return (moment + CHINA_OFFSET).date()


def _month(moment: dt.datetime) -> str:
    """The China-time month ("2020-06") of a naive-UTC moment (as tallies.month_of)."""
    return (moment + CHINA_OFFSET).strftime("%Y-%m")


_LIMITS: dict[tuple[str, str], list[dict]] = {}


def step_limits(version: str, state: str) -> list[dict]:
    """The time limits of one step (``state:`` limits) in a definition version."""
    key = (version, state)
    if key not in _LIMITS:
        _LIMITS[key] = [limit for limit in store.by_version(version).time_limits
                        if limit.get("state") == state]
    return _LIMITS[key]


class _Calendar:
    """The working-day calendar, loaded (one query) only if a stay needs it."""

    def __init__(self) -> None:
        self.loaded: workdays.WorkCalendar | None = None

    def get(self) -> workdays.WorkCalendar:
        if self.loaded is None:
            self.loaded = workdays.load()
        return self.loaded


def over_limit(limits: list[dict], entered: dt.datetime, left: dt.datetime,
               calendar: _Calendar) -> bool:
    """Whether a stay overran any of the step's limits: left after the due date, as
    ``timelimits.status`` turns red (the day of entering not counted)."""
    started, ended = _local_day(entered), _local_day(left)
    for limit in limits:
        days = limit["days"]
        if (ended - started).days <= days:
            continue  # within the days in calendar days: within them in working days too
        if limit.get("unit", "working") == "calendar" or ended > calendar.get().add(
                started, days):
            return True
    return False


def ancestors(path: str) -> list[str]:
    """A path and every place's above it: /210300/210323/ -> /210300/, /210300/210323/."""
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def _add(totals: dict[Key, list[int]], procedure: str, month: str, path: str, state: str,
         seconds: int, over: bool) -> None:
    """One stay, in the rows of its place and of every place above it."""
    bucket = bucket_of(seconds)
    for place in ancestors(path):
        sums = totals.setdefault((procedure, month, place, state, bucket), [0, 0, 0])
        sums[0] += 1
        sums[1] += over
        sums[2] += seconds


def _row(key: Key, n: int, over: int, seconds: int) -> dict:
    return dict(zip(COLUMNS, (*key, n, over, seconds), strict=True))


def _stay(case_id: int, procedure: str, path: str, version: str, state: str,
          entered: dt.datetime, left: dt.datetime, calendar: _Calendar) -> step_stays.Row:
    """One ended stay as a ``step_stays`` row: its seconds and whether it overran."""
    seconds = max(int((left - entered).total_seconds()), 0)
    limits = step_limits(version, state)
    over = bool(limits) and over_limit(limits, entered, left, calendar)
    return (case_id, procedure, _month(left), path, state, entered, left, seconds, over)


def _tally(totals: dict[Key, list[int]], stay: step_stays.Row) -> None:
    _case, procedure, month, path, state, _in, _out, seconds, over = stay
    _add(totals, procedure, month, path, state, seconds, over)


def record(stays: Iterable[tuple[Case, str, str, dt.datetime, dt.datetime]]) -> None:
    """Add (case, from_state, to_state, entered_at, left_at) stays to the tallies and the
    stay rows, in the caller's transaction; keys in sorted order so two writers never
    deadlock."""
    calendar = _Calendar()
    ended = [_stay(case_.id, case_.procedure, case_.jurisdiction_path,
                   case_.definition_version, from_state, entered, left, calendar)
             for case_, from_state, to_state, entered, left in stays
             if from_state and from_state != to_state and entered is not None]
    totals: dict[Key, list[int]] = {}
    for stay in ended:
        _tally(totals, stay)
    rows = [_row(key, *sums) for key, sums in sorted(totals.items())]
    connection = db.session.connection()
    if len(ended) == 1 and connection.dialect.name == "postgresql":
        # One sign-off: its stay and the tally rows of its place and those above in one
        # statement (the rows as unnest arrays, the stay as a data-modifying WITH): one
        # round trip instead of two.
        params = {f"stay_{c}": v for c, v in zip(step_stays.COLUMNS, ended[0], strict=True)}
        params.update({f"{c}_list": [row[c] for row in rows] for c in COLUMNS})
        connection.execute(_upsert_with_stay(), params)
        return
    if rows:
        connection.execute(_upsert(), rows[0] if len(rows) == 1 else rows)
    step_stays.insert(ended)


def _upsert():
    """The upsert for the session's dialect, a Core statement built once per process
    (as ``tallies._upsert``)."""
    name = db.session.get_bind().dialect.name
    statement = _UPSERTS.get(name)
    if statement is None:
        table = StepTimeTally.__table__
        insert = (postgresql if name == "postgresql" else sqlite).insert(table)
        statement = _UPSERTS[name] = insert.on_conflict_do_update(
            index_elements=list(COLUMNS[:5]),
            set_={c: table.c[c] + insert.excluded[c] for c in COLUMNS[5:]})
    return statement


def _upsert_with_stay():
    """PostgreSQL: the upsert of the tally rows, one array parameter per column
    (``<column>_list``, read with ``unnest`` in their sorted order), with the INSERT of
    one stay (``stay_<column>``) as a WITH of the same statement; built once per process
    (a multi-row VALUES would be compiled again on every call)."""
    statement = _UPSERTS.get("postgresql+stay")
    if statement is None:
        table, stays = StepTimeTally.__table__, step_stays.StepStay.__table__
        stay = stays.insert().values({
            c: bindparam(f"stay_{c}", type_=stays.c[c].type) for c in step_stays.COLUMNS})
        rows = select(literal_column("*")).select_from(func.unnest(*[
            cast(bindparam(f"{c}_list"), postgresql.ARRAY(table.c[c].type)) for c in COLUMNS]))
        insert = postgresql.insert(table).from_select(list(COLUMNS), rows)
        statement = _UPSERTS["postgresql+stay"] = insert.on_conflict_do_update(
            index_elements=list(COLUMNS[:5]),
            set_={c: table.c[c] + insert.excluded[c] for c in COLUMNS[5:]},
        ).add_cte(stay.cte("stay"))
    return statement


_UPSERTS: dict = {}


def trail_stays() -> Iterator[step_stays.Row]:
    """Every ended stay as the trail gives it: each state-changing event after a case's
    first ends the stay its previous state-changing event began."""
    query = (select(AuditEvent.case_id, AuditEvent.from_state, AuditEvent.to_state,
                    AuditEvent.at, Case.procedure, Case.jurisdiction_path,
                    Case.definition_version)
             .join(Case, Case.id == AuditEvent.case_id)
             # A move to a new definition version (cases/moving.py) renames the step
             # the case is in without ending its stay there.
             .where(AuditEvent.from_state != AuditEvent.to_state,
                    AuditEvent.action != MOVE_ACTION)
             .order_by(AuditEvent.case_id, AuditEvent.seq))
    calendar = _Calendar()
    last_case, entered = None, None
    rows = db.session.execute(query.execution_options(stream_results=True, yield_per=20000))
    for case_id, from_state, _to, at, procedure, path, version in rows:
        if case_id != last_case:
            last_case, entered = case_id, None
        if from_state and entered is not None:
            yield _stay(case_id, procedure, path, version, from_state, entered, at, calendar)
        entered = at


def from_trail() -> dict[Key, list[int]]:
    """The tallies as the trail gives them."""
    totals: dict[Key, list[int]] = {}
    for stay in trail_stays():
        _tally(totals, stay)
    return totals


def rebuild(*, commit: bool = True) -> int:
    """Recompute every step-time tally and stay row from the audit events (committed
    unless the caller's transaction goes on: the archive import). On PostgreSQL
    the rows go in with COPY (an executemany of a million rows took minutes); the stays
    wait in a spool file while the trail streams, as the connection can do one at a time."""
    totals: dict[Key, list[int]] = {}
    spool = step_stays.Spool()
    for stay in trail_stays():
        _tally(totals, stay)
        spool.add(stay)
    ordered = sorted(totals.items())
    db.session.execute(StepTimeTally.__table__.delete())
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY step_time_tallies ({', '.join(COLUMNS)}) FROM STDIN") as out:
            for key, sums in ordered:
                out.write_row((*key, *sums))
    else:
        rows = [_row(key, *sums) for key, sums in ordered]
        for start in range(0, len(rows), 5000):
            connection.execute(StepTimeTally.__table__.insert(), rows[start:start + 5000])
    spool.replace()
    if commit:
        db.session.commit()
    return len(ordered)


def differences() -> list[str]:
    """Rows where the step-time tallies or the stay rows and the trail disagree, in
    Chinese."""
    totals: dict[Key, list[int]] = {}
    trail = Counter()
    for stay in trail_stays():
        _tally(totals, stay)
        trail[stay] += 1
    expected = {key: tuple(v) for key, v in totals.items()}
    actual = {tuple(r[:5]): tuple(r[5:]) for r in db.session.execute(
        select(*[StepTimeTally.__table__.c[c] for c in COLUMNS]))
        if any(r[5:])}
    zero = (0, 0, 0)
    found = [f"用时统计 {k[0]} {k[1]} {k[2]} {k[3]} 档{k[4]}：统计 {actual.get(k, zero)}，"
             f"留痕 {expected.get(k, zero)}"
             for k in sorted(set(expected) | set(actual))
             if actual.get(k, zero) != expected.get(k, zero)]
    kept = Counter(step_stays.stored())
    for stay in sorted((trail - kept) | (kept - trail), key=lambda s: (s[0], s[6], s[4])):
        found.append(f"用时明细 案件{stay[0]} {stay[4]} {stay[6]:%Y-%m-%d %H:%M}办结："
                     f"明细 {kept[stay]} 条，留痕 {trail[stay]} 条")
    return found


@dataclass
class StepStats:
    """The stays that ended in one step (and place) within a month."""

    buckets: Counter = field(default_factory=Counter)
    cases: int = 0
    over_limit: int = 0
    seconds: int = 0

    def add(self, bucket: int, cases: int, over: int, seconds: int) -> None:
        self.buckets[bucket] += cases
        self.cases += cases
        self.over_limit += over
        self.seconds += seconds

    def percentile(self, share: float) -> int | None:
        """The bucket of the nearest-rank percentile (the ceil(share * n)-th stay)."""
        if not self.cases:
            return None
        rank, seen = max(math.ceil(share * self.cases - 1e-9), 1), 0
        for bucket in sorted(self.buckets):
            seen += self.buckets[bucket]
            if seen >= rank:
                return bucket
        return max(self.buckets)

    @property
    def median(self) -> int | None:
        return self.percentile(0.5)

    @property
    def p90(self) -> int | None:
        return self.percentile(0.9)

    @property
    def mean_seconds(self) -> float:
        return self.seconds / self.cases if self.cases else 0.0

    def as_dict(self) -> dict:
        return {"cases": self.cases, "over_limit": self.over_limit,
                "mean_hours": round(self.mean_seconds / HOUR, 1),
                "median_bucket": self.median, "p90_bucket": self.p90,
                "median": bucket_text(self.median) if self.cases else None,
                "p90": bucket_text(self.p90) if self.cases else None,
                "median_upper_hours": _upper_hours(self.median),
                "p90_upper_hours": _upper_hours(self.p90)}


def _upper_hours(bucket: int | None) -> float | None:
    return None if bucket is None or bucket >= TOP else BOUNDS[bucket] / HOUR


def stats(procedure: str, paths: list[str], month: str, *,
          state: str | None = None) -> dict[tuple[str, str], StepStats]:
    """{(path, state): StepStats} of the stays that ended in ``month`` in each of the
    places ``paths`` (each place's own rows: its whole subtree, kept by ``_add``)."""
    table = StepTimeTally
    where = [table.procedure == procedure, table.month == month,
             table.jurisdiction_path.in_(paths)]
    if state is not None:
        where.append(table.state == state)
    query = (select(table.jurisdiction_path, table.state, table.bucket, table.cases,
                    table.over_limit, table.seconds).where(*where))
    out: dict[tuple[str, str], StepStats] = {}
    for path, step, bucket, n, over, seconds in db.session.execute(query):
        out.setdefault((path, step), StepStats()).add(bucket, n, over, seconds)
    return out
