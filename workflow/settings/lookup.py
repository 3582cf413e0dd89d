"""Finding the value that applies: the most specific place on the path that set the key
(village > township > county > city > installation-wide) for the year or in force on the
date, else the default a fresh install starts from (``current_app.config``, read at call
time so tests and deployments override it as before)."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, event, or_, select
from sqlalchemy.orm import Session, lazyload

from workflow import clock, generations
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.settings.keys import Spec, spec
from workflow.settings.models import SettingValue

DEFAULT_SOURCE = "系统默认值"


@dataclass(frozen=True)
class Applied:
    """A setting's value as it applies to a place and year/date, with where it came from."""

    key: str
    title: str
    value: Any
    year: int | None
    place_code: str | None
    place_name: str | None
    document: str
    effective_on: dt.date | None
    set_at: dt.datetime | None
    source: str

    def as_record(self) -> dict[str, Any]:
        """What an event stores: JSON-able, the value as int or str."""
        value = self.value
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, (list, tuple)):
            value = [str(v) for v in value]
        return {"key": self.key, "title": self.title, "value": value, "year": self.year,
                "place_code": self.place_code, "place_name": self.place_name,
                "document": self.document, "source": self.source}


def ancestor_paths(path: str) -> list[str]:
    """"/210300/210323/" -> ["/210300/", "/210300/210323/"] (city first)."""
    codes = [c for c in path.split("/") if c]
    return ["/" + "/".join(codes[:i + 1]) + "/" for i in range(len(codes))]


def _path_of(place: Jurisdiction | str | None) -> str | None:
    if place is None or isinstance(place, str):
        return place or None
    return place.path


def python_value(one: Spec, stored: Any) -> Any:
    """A stored (JSON) or configured value as the kind's Python type."""
    if stored is None:
        return None
    if one.kind in {"yuan", "days", "count", "percent"}:
        return int(stored)
    if one.kind == "decimal":
        return Decimal(str(stored))
    if one.kind == "choices":
        return [str(v) for v in stored]
    return str(stored)


def source_phrase(row: SettingValue) -> str:
    """「岫岩满族自治县 2026 年设置（岫政办发〔2026〕3号）」,
    「全系统 自 2026-01-01 起施行（…）」."""
    where = row.place.name if row.place is not None else "全系统"
    when = f"{row.year} 年设置" if row.year is not None else f"自 {row.effective_on} 起施行"
    document = f"（{row.document}）" if row.document else ""
    return f"{where} {when}{document}"


def _step(node: Any, step: Any, *, year: int | None, codes: list[str]) -> Any:
    """One step of a default's path into a config value (see keys.yaml)."""
    if not isinstance(node, dict):
        return None
    if step == "year":
        return node.get(year, node.get(str(year), node.get("default")))
    if step == "place":
        matches = [k for k in node if k != "default" and any(c.startswith(str(k)) for c in codes)]
        if matches:
            return node[max(matches, key=lambda k: len(str(k)))]
        return node.get("default")
    if step in node:
        return node[step]
    if isinstance(step, str) and step.isdigit():
        return node.get(int(step))
    return None


def default_value(one: Spec, *, year: int | None, path: str | None) -> Any:
    """The fresh-install value from app.config, or None when it has none."""
    spec_default = one.default
    node: Any = current_app.config.get(spec_default["config"])
    codes = [c for c in (path or "").split("/") if c]
    for raw in spec_default.get("path", []):
        step = raw.format(**one.parts) if isinstance(raw, str) and "{" in raw else raw
        node = _step(node, step, year=year, codes=codes)
        if node is None:
            break
    if isinstance(node, tuple):
        node = list(node)
    if isinstance(node, dict):
        node = None
    if node is None and one.min_days is not None:
        return one.min_days  # a notice nobody configured lasts the definition's minimum
    return node


def resolve_time(one: Spec, year: int | None,
                 on: dt.date | None) -> tuple[int | None, dt.date | None]:
    """The year for a per-year key (default: this year, China time), the date for an
    effective-date key (default: today)."""
    if one.per_year:
        if year is None:
            year = on.year if on is not None else clock.today().year
        return year, None
    return None, on or clock.today()


def rows_for(one: Spec, path: str | None, *, year: int | None, on: dt.date | None):
    """The query of the rows that could apply, most specific place first, newest first."""
    paths = ancestor_paths(path) if path else []
    query = select(SettingValue).where(
        SettingValue.key == one.key,
        or_(SettingValue.place_path.is_(None), SettingValue.place_path.in_(paths))
        if paths else SettingValue.place_path.is_(None))
    if one.per_year:
        query = query.where(SettingValue.year == year)
        order = [SettingValue.id.desc()]
    else:
        query = query.where(SettingValue.effective_on <= on)
        order = [SettingValue.effective_on.desc(), SettingValue.id.desc()]
    return query, order


def _winner(one: Spec, rows: list[SettingValue]) -> SettingValue | None:
    """The row that wins: each place's own value in force (the latest date, then the
    newest row), then the deepest place — except that for a key with a direction
    (``stricter: higher|lower``) the strictest of those values applies, so a city that
    later raises its line above a county's older, lower one is not undercut by it."""
    if not one.per_year:
        rows = sorted(rows, key=lambda r: (r.effective_on, r.id), reverse=True)
    else:
        rows = sorted(rows, key=lambda r: r.id, reverse=True)
    own: dict[str | None, SettingValue] = {}
    for row in rows:
        own.setdefault(row.place_path, row)
    deepest_first = sorted(own.values(), key=lambda r: -len(r.place_path or ""))
    if one.stricter in ("higher", "lower") and len(deepest_first) > 1:
        sign = 1 if one.stricter == "higher" else -1
        # max() keeps the first of equals: the deepest place that set the strictest value.
        return max(deepest_first, key=lambda r: sign * python_value(one, r.value))
    return deepest_first[0] if deepest_first else None


def applicable_row(one: Spec, path: str | None, *, year: int | None,
                   on: dt.date | None) -> SettingValue | None:
    """The row that applies to ``path`` in ``year`` / on ``on``, or None (the query of
    ``rows_for``, built once per shape with bound parameters)."""
    paths = ancestor_paths(path) if path else []
    params: dict[str, Any] = {"key": one.key}
    if paths:
        params["paths"] = paths
    params.update({"year": year} if one.per_year else {"on": on})
    statement = _statement(one.per_year, bool(paths))
    return _winner(one, db.session.execute(statement, params).scalars().all())


_STATEMENTS: dict[tuple[bool, bool], Any] = {}


def _statement(per_year: bool, with_paths: bool):
    """``rows_for``'s query as one statement per shape, so that SQLAlchemy neither builds
    nor keys it again on every lookup (a third of a sign-off's lookup time); the row's
    ``set_by`` (a joined user, whose assignments load in turn) is left out."""
    found = _STATEMENTS.get((per_year, with_paths))
    if found is None:
        place = SettingValue.place_path.is_(None)
        if with_paths:
            place = or_(place, SettingValue.place_path.in_(bindparam("paths", expanding=True)))
        if per_year:
            when, order = SettingValue.year == bindparam("year"), [SettingValue.id.desc()]
        else:
            when = SettingValue.effective_on <= bindparam("on")
            order = [SettingValue.effective_on.desc(), SettingValue.id.desc()]
        found = _STATEMENTS[(per_year, with_paths)] = (
            select(SettingValue).where(SettingValue.key == bindparam("key"), place, when)
            .order_by(*order).options(lazyload(SettingValue.set_by)))
    return found


def _applied(one: Spec, row: SettingValue | None, *, year: int | None,
             path: str | None) -> Applied | None:
    if row is not None:
        return Applied(key=one.key, title=one.title, value=python_value(one, row.value),
                       year=row.year, place_code=row.place.code if row.place else None,
                       place_name=row.place.name if row.place else None,
                       document=row.document or "", effective_on=row.effective_on,
                       set_at=row.set_at, source=source_phrase(row))
    value = default_value(one, year=year, path=path)
    if value is None:
        return None
    return Applied(key=one.key, title=one.title, value=python_value(one, value), year=year,
                   place_code=None, place_name=None, document="", effective_on=None,
                   set_at=None, source=DEFAULT_SOURCE)


def lookup_many(specs: list[Spec], *, place: Jurisdiction | str | None = None,
                year: int | None = None, on: dt.date | None = None) -> dict[str, Applied | None]:
    """``lookup`` for several keys at one place in one query (the settings page, a
    sheet that prints many values): {key: Applied or None}."""
    path = _path_of(place)
    if not specs:
        return {}
    today = clock.today()
    year = year if year is not None else (on or today).year  # per-year keys
    on = on or today  # effective-date keys
    paths = ancestor_paths(path) if path else []
    where_place = (or_(SettingValue.place_path.is_(None), SettingValue.place_path.in_(paths))
                   if paths else SettingValue.place_path.is_(None))
    rows = db.session.execute(select(SettingValue).where(
        SettingValue.key.in_([one.key for one in specs]), where_place,
        or_(SettingValue.year == year, SettingValue.effective_on <= on))).scalars().all()
    by_key: dict[str, list[SettingValue]] = {}
    for row in rows:
        by_key.setdefault(row.key, []).append(row)
    result = {}
    for one in specs:
        mine = [r for r in by_key.get(one.key, [])
                if (r.year == year if one.per_year else r.effective_on is not None)]
        result[one.key] = _applied(one, _winner(one, mine), year=year if one.per_year else None,
                                   path=path)
    return result


def lookup(key: str, *, place: Jurisdiction | str | None = None, year: int | None = None,
           on: dt.date | None = None) -> Applied | None:
    """The value of ``key`` that applies to ``place`` (a Jurisdiction, a path, or None for
    the installation-wide value) in ``year`` / on ``on``; None when nothing is set and the
    install has no default (e.g. a year without a poverty line). KeyError for a key that
    does not exist. An answer is kept per process until a setting or place is written on
    any node (workflow/generations.py); inside ``memo()`` also for the block, until it
    writes a setting itself."""
    one = spec(key)
    if one is None:
        raise KeyError(f"unknown setting {key!r}")
    path = _path_of(place)
    year, on = resolve_time(one, year, on)
    question = (one.key, path, year, on)
    cache = _MEMO.get()
    if _settings_pending(db.session()):  # a row written here, not yet flushed: ask
        answer = _ask(one, path, year, on)
    elif cache is not None and question in cache:
        return cache[question]
    else:
        answer = generations.cached(generations.SETTINGS, question,
                                    lambda: _ask(one, path, year, on))
    if cache is not None:
        cache[question] = answer
    return answer


def _ask(one: Spec, path: str | None, year: int | None, on: dt.date | None) -> Applied | None:
    return _applied(one, applicable_row(one, path, year=year, on=on), year=year, path=path)


# The answers of ``lookup`` within one ``memo()`` block (a sign-off, a batch of them).
_MEMO: ContextVar[dict | None] = ContextVar("settings_lookup_memo", default=None)


@contextmanager
def memo():
    """Within the block, ``lookup`` answers a repeated question (key, place, year, date)
    from memory: a batch of sign-offs in one village reads its poverty line once. The
    memory is dropped when a setting row is written in the block (flushed or pending)
    and when the block ends, so no value outlives the request or transaction it was read
    in. Nested blocks share the outer one's memory."""
    if _MEMO.get() is not None:
        yield
        return
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def _settings_pending(session: Session) -> bool:
    """Whether the session holds an unflushed change of a setting row (rare: then the
    memory is not trusted and the query runs, flushing it first)."""
    return any(isinstance(obj, SettingValue)
               for objects in (session.new, session.dirty, session.deleted) for obj in objects)


@event.listens_for(Session, "after_flush")
def _forget_on_write(session: Session, _context) -> None:
    """A flush that wrote a setting row clears the memory of the block it happened in."""
    cache = _MEMO.get()
    if cache and any(isinstance(obj, SettingValue) for objects in
                     (session.new, session.dirty, session.deleted) for obj in objects):
        cache.clear()


generations.watch(SettingValue, generations.SETTINGS)
