"""Coverage rules (覆盖规则) as named functions in a registry, like the guards, and the
set-based queries the special-action boards and a household's gaps are built from.

A rule's function says who is concerned (people or households of the register, with its
figures from settings, e.g. the working age); catalog.yaml ``rules`` says which action's
board shows it and which measure kinds or actions cover. A unit is covered in a month
when a measure of those runs on some day of the month for its household (a whole-
household measure) or, for a person, for that person.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, or_, select

from workflow.registry.models import Household, Member
from workflow.settings import lookup
from workflow.support.catalog import catalog
from workflow.support.models import SupportMeasure


@dataclass
class Month:
    """The month a board or check is for, and the place whose settings apply."""

    first: dt.date
    last: dt.date
    place_path: str | None = None

    @classmethod
    def of(cls, year: int, month: int, place_path: str | None = None) -> Month:
        return cls(dt.date(year, month, 1),
                   dt.date(year, month, calendar.monthrange(year, month)[1]), place_path)


@dataclass
class Concern:
    """Who a rule concerns: ``unit`` person or household, and WHERE clauses on
    Household (and Member, for persons)."""

    unit: str
    where: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    action: str
    concerned: Callable[[Month], Concern]
    kinds: tuple[str, ...]
    actions: tuple[str, ...]


RULES: dict[str, Rule] = {}


def coverage_rule(name: str) -> Callable:
    """Register ``fn(month) -> Concern`` as the rule ``name`` of catalog.yaml ``rules``."""
    def wrap(fn: Callable[[Month], Concern]) -> Callable[[Month], Concern]:
        data = catalog().rules[name]
        cover = data["covered_by"]
        RULES[name] = Rule(name, data["title"], data["action"], fn,
                           tuple(cover.get("kinds") or ()), tuple(cover.get("actions") or ()))
        return fn
    return wrap


POOR = Household.status == "registered_poor"


@coverage_rule("industry_every_person")
def industry_every_person(_month: Month) -> Concern:
    """Every person of a registered-poor household has an industry measure."""
    return Concern("person", [POOR])


@coverage_rule("every_member_insured")
def every_member_insured(_month: Month) -> Concern:
    """Every person of a registered-poor household is insured (资助参保)."""
    return Concern("person", [POOR])


@coverage_rule("every_pupil_funded")
def every_pupil_funded(_month: Month) -> Concern:
    """Every pupil (compulsory education, high school, vocational) is funded."""
    return Concern("person", [POOR, Member.schooling.in_(sorted(catalog().pupils))])


@coverage_rule("no_labour_household_secured")
def no_labour_household_secured(_month: Month) -> Concern:
    """A household whose every member is recorded without labour capacity is secured
    (兜底); a member whose capacity is not recorded yet keeps the household out."""
    capable_or_unknown = exists().where(
        Member.household_id == Household.id, Member.removed_on.is_(None),
        or_(Member.labour_capacity.is_(None),
            Member.labour_capacity.in_(sorted(catalog().capable))))
    return Concern("household", [POOR, ~capable_or_unknown])


def _years_before(day: dt.date, years: int) -> str:
    """``day`` ``years`` years earlier as YYYYMMDD (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years).strftime("%Y%m%d")
    except ValueError:
        return day.replace(year=day.year - years, day=28).strftime("%Y%m%d")


@coverage_rule("labourer_employment_offered")
def labourer_employment_offered(month: Month) -> Concern:
    """Every person of working age (by the birth date in the ID number, at the month's
    end; settings support_working_age_min/max) with labour capacity is offered
    employment support."""
    low = int(lookup("support_working_age_min", place=month.place_path, on=month.last).value)
    high = int(lookup("support_working_age_max", place=month.place_path, on=month.last).value)
    birth = func.substr(Member.id_number, 7, 8)
    return Concern("person", [POOR, Member.labour_capacity.in_(sorted(catalog().capable)),
                              func.length(Member.id_number) == 18,
                              birth <= _years_before(month.last, low),
                              birth > _years_before(month.last, high + 1)])


def covered_clause(rule: Rule, month: Month, person: bool):
    """EXISTS a measure covering the current row's unit in ``month``."""
    what = []
    if rule.kinds:
        what.append(SupportMeasure.kind.in_(rule.kinds))
    if rule.actions:
        what.append(SupportMeasure.action.in_(rule.actions))
    whom = [SupportMeasure.household_id == Household.id]
    if person:
        whom.append(or_(SupportMeasure.member_id.is_(None),
                        SupportMeasure.member_id == Member.id))
    return exists().where(and_(*whom), or_(*what), SupportMeasure.starts_on <= month.last,
                          or_(SupportMeasure.ends_on.is_(None),
                              SupportMeasure.ends_on >= month.first))


def units(rule: Rule, month: Month, where: list[Any]):
    """A subquery of the rule's units: unit, household_id, village_id, covered (1/0);
    ``where`` limits the households (scope, a place, one household)."""
    concern = rule.concerned(month)
    person = concern.unit == "person"
    covered = case((covered_clause(rule, month, person), 1), else_=0).label("covered")
    if person:
        query = (select(Member.id.label("unit"), Household.id.label("household_id"),
                        Household.village_id.label("village_id"), covered)
                 .join(Household, Household.id == Member.household_id)
                 .where(Member.removed_on.is_(None)))
    else:
        query = select(Household.id.label("unit"), Household.id.label("household_id"),
                       Household.village_id.label("village_id"), covered)
    return query.where(*concern.where, *where).subquery()


def by_village(rule: Rule, month: Month, where: list[Any]) -> list[tuple[int, int, int]]:
    """(village id, concerned, covered) per village: one GROUP BY query."""
    from workflow.extensions import db

    sub = units(rule, month, where)
    return [(v, int(n), int(c or 0)) for v, n, c in db.session.execute(
        select(sub.c.village_id, func.count(), func.sum(sub.c.covered))
        .group_by(sub.c.village_id)).all()]


def gap_households(rule: Rule, month: Month, where: list[Any], limit: int = 500):
    """(household id, people or 1 not covered) of households with gaps: one query."""
    from workflow.extensions import db

    sub = units(rule, month, where)
    return db.session.execute(
        select(sub.c.household_id, func.count()).where(sub.c.covered == literal(0))
        .group_by(sub.c.household_id).order_by(sub.c.household_id).limit(limit)).all()


def household_gaps(household: Household, month: Month) -> list[tuple[Rule, int]]:
    """(rule, units not covered) for each rule the household breaks in ``month`` (with
    the settings of the household's place)."""
    month = Month(month.first, month.last, household.jurisdiction_path)
    out = []
    for rule in RULES.values():
        rows = gap_households(rule, month, [Household.id == household.id])
        if rows:
            out.append((rule, int(rows[0][1])))
    return out
