"""What the settings page, API and CLI read: the value of every key at a place and year,
the places a user may read or set, and a key's history within the user's scope."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from workflow.auth.models import User
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.jurisdictions.scope import paths_filter, places_in_scope
from workflow.settings import operations as ops
from workflow.settings.keys import Spec, all_specs
from workflow.settings.lookup import Applied, ancestor_paths, lookup_many, python_value
from workflow.settings.models import SettingValue


@dataclass
class Row:
    """One key on the page: its spec, the value that applies and how it reads."""

    spec: Spec
    applied: Applied | None

    @property
    def shown(self) -> str:
        return ops.display(self.spec, self.applied.value if self.applied else None)

    def as_json(self) -> dict[str, Any]:
        one, applied = self.spec, self.applied
        body = {"key": one.key, "title": one.title, "unit": one.unit, "kind": one.kind,
                "basis": "per_year" if one.per_year else "effective_date",
                "stricter": one.stricter, "minimum": _plain(one.floor),
                "maximum": _plain(one.maximum), "choices": one.choices or None,
                "value": None, "shown": self.shown, "source": None, "document": None,
                "year": None, "effective_on": None, "place_code": None, "place_name": None}
        if applied is not None:
            record = applied.as_record()
            body.update(value=record["value"], source=applied.source,
                        document=applied.document, year=applied.year,
                        effective_on=applied.effective_on.isoformat()
                        if applied.effective_on else None,
                        place_code=applied.place_code, place_name=applied.place_name)
        return body


def _plain(number) -> int | str | None:
    if number is None:
        return None
    return int(number) if number == number.to_integral_value() else str(number)


def overview(place: Jurisdiction | None, year: int, on: dt.date | None = None,
             key: str | None = None) -> list[Row]:
    """Every key (or one) as it applies at ``place`` in ``year`` (effective-date keys:
    on ``on``, default 1 January of ``year`` or today in the current year)."""
    if on is None:
        from workflow import clock

        today = clock.today()
        on = today if today.year == year else dt.date(year, 1, 1)
    specs = all_specs()
    chosen = [specs[key]] if key else list(specs.values())
    applied = lookup_many(chosen, place=place, year=year, on=on)
    return [Row(one, applied[one.key]) for one in chosen]


def readable_places(user: User) -> list[Jurisdiction]:
    """The places whose values the user may read (its scope)."""
    return places_in_scope(user)


def settable_places(user: User) -> list[Jurisdiction]:
    """The places the user administers (its admin places and those under them)."""
    if ops.is_cli(user):
        return list(db.session.execute(select(Jurisdiction).order_by(Jurisdiction.path))
                    .scalars())
    paths = [a.jurisdiction.path for a in user.assignments if a.role == "admin"]
    if not paths:
        return []
    return list(db.session.execute(select(Jurisdiction).where(
        paths_filter(Jurisdiction.path, paths)).order_by(Jurisdiction.path)).scalars())


def may_set_wide(user: User) -> bool:
    """Installation-wide values: administrators of a top-level place (and the CLI)."""
    return ops.top_place(user) is not None


def history(user: User, key: str) -> list[SettingValue]:
    """Every value set for ``key`` that the user may read, newest first: at the places
    in its scope, above them (those apply to it) and installation-wide."""
    paths = None if ops.is_cli(user) else user.scope_paths
    return ops.history(key, paths)


def history_json(row: SettingValue, one: Spec) -> dict[str, Any]:
    return {"id": row.id, "key": row.key, "value": row.value,
            "shown": ops.display(one, python_value(one, row.value)), "year": row.year,
            "effective_on": row.effective_on.isoformat() if row.effective_on else None,
            "place_code": row.place.code if row.place else None,
            "place_name": row.place.name if row.place else "全系统",
            "document": row.document, "reason": row.reason,
            "set_by": row.set_by.display_name if row.set_by else "",
            "set_at": row.set_at.replace(microsecond=0).isoformat() + "Z"}


def lines_missing(user: User, year: int) -> list[Jurisdiction]:
    """The user's administered places (top of each assignment) with no poverty line for
    ``year`` — not set there, above, installation-wide, nor a default. One query."""
    places = [a.jurisdiction for a in user.assignments if a.role == "admin"]
    if not places:
        return []
    if lookup_default_line(year):
        return []
    above = {p for place in places for p in ancestor_paths(place.path)}
    set_at = set(db.session.execute(
        select(SettingValue.place_path).where(
            SettingValue.key == "poverty_line", SettingValue.year == year,
            SettingValue.place_path.is_(None) | SettingValue.place_path.in_(above))
        .distinct()).scalars())
    if None in set_at:
        return []
    return [p for p in places if not set_at & set(ancestor_paths(p.path))]


def lookup_default_line(year: int) -> bool:
    """Whether app.config has a line for ``year`` (no query)."""
    from workflow.settings.lookup import default_value

    return default_value(all_specs()["poverty_line"], year=year, path=None) is not None
