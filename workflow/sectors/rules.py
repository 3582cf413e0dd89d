"""The matching rules: named functions, each comparing the register with one source's
latest import, set-based (one SELECT with joins or anti-joins per rule, never a loop
per household). A rule returns statements yielding (household_id, member_id, reason)
for the households of one county; ``matching`` stores what they find.

``RULES`` is the registry (like the engine's guards); ``@rule`` adds one.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Integer, and_, cast, exists, func, literal, null, select
from sqlalchemy.orm import aliased

from workflow.housing.models import House, HouseAppraisal
from workflow.registry.models import Household, Member
from workflow.sectors.models import SectorRecord


@dataclass(frozen=True)
class MatchContext:
    """What a rule reads: the county's path, the import of its source, the data's date
    and the school-age bounds in force."""

    county_path: str
    import_id: int
    as_of: dt.date
    school_age: tuple[int, int]

    def households(self):
        return Household.jurisdiction_path.startswith(self.county_path, autoescape=True)


@dataclass(frozen=True)
class Rule:
    name: str
    source: str
    title: str
    aspect: str  # which 三保障 / register item it concerns (the exit guard's message)
    fn: Callable[[MatchContext], list]


RULES: dict[str, Rule] = {}


def rule(name: str, *, source: str, title: str, aspect: str):
    """Register ``fn(ctx) -> [select(household_id, member_id, reason), ...]``."""
    def wrap(fn):
        RULES[name] = Rule(name, source, title, aspect, fn)
        return fn
    return wrap


def _listed(ctx: MatchContext, number, facts: tuple[str, ...], value=None):
    where = [SectorRecord.import_id == ctx.import_id, SectorRecord.id_number == number,
             SectorRecord.fact.in_(facts)]
    if value is not None:
        where.append(value)
    return exists().where(*where)


def _member_rows(ctx: MatchContext, condition, reason: str):
    return (select(Member.household_id, Member.id.label("member_id"),
                   literal(reason).label("reason"))
            .join(Household, Household.id == Member.household_id)
            .where(ctx.households(), Member.removed_on.is_(None),
                   Member.id_number.is_not(None), condition))


@rule("medical_not_insured", source="medical_insurance", title="在册成员未参保",
      aspect="基本医疗有保障（全员参保）")
def medical_not_insured(ctx: MatchContext) -> list:
    """Every current member of a registered household is expected to be insured."""
    return [_member_rows(ctx, ~_listed(ctx, Member.id_number, ("insured",)),
                         "医保参保名单中无此人（或已停保）")]


def _birth_bounds(ctx: MatchContext) -> tuple[str, str]:
    """Birth dates (YYYYMMDD) of children of school age on ``as_of``: at least ``low``
    and at most ``high`` years old."""
    low, high = ctx.school_age
    day = ctx.as_of

    def years_before(n: int) -> dt.date:
        try:
            return day.replace(year=day.year - n)
        except ValueError:  # 29 February
            return day.replace(year=day.year - n, day=28)
    return ((years_before(high + 1) + dt.timedelta(days=1)).strftime("%Y%m%d"),
            years_before(low).strftime("%Y%m%d"))


@rule("child_not_enrolled", source="education", title="适龄儿童未在读",
      aspect="义务教育有保障（无辍学）")
def child_not_enrolled(ctx: MatchContext) -> list:
    """A school-age child (age from the ID number's birth date) neither enrolled nor
    exempt: listed as a dropout, or not listed at all."""
    first, last = _birth_bounds(ctx)
    birth = func.substr(Member.id_number, 7, 8)
    school_age = and_(birth >= first, birth <= last)
    not_in = ~_listed(ctx, Member.id_number, ("enrolled", "exempt"))
    dropout = _listed(ctx, Member.id_number, ("dropout",))
    return [_member_rows(ctx, and_(school_age, not_in, dropout), "教育部门名单显示辍学"),
            _member_rows(ctx, and_(school_age, not_in, ~dropout),
                         "适龄儿童未在教育部门在读或免予入学名单中")]


def _household_listed(ctx: MatchContext, fact: str):
    m = aliased(Member)
    return exists().where(m.household_id == Household.id, m.removed_on.is_(None),
                          _listed(ctx, m.id_number, (fact,)))


def _household_rows(ctx: MatchContext, condition, reason: str):
    return (select(Household.id, cast(null(), Integer).label("member_id"),
                   literal(reason).label("reason"))
            .where(ctx.households(), condition))


@rule("civil_affairs_flag", source="civil_affairs", title="低保、特困标记与民政名册不符",
      aspect="低保、特困供养认定")
def civil_affairs_flag(ctx: MatchContext) -> list:
    """The household's 低保 / 特困 flag against the 民政 roll, both ways."""
    out = []
    for flag, fact, title in ((Household.dibao, "dibao", "低保"),
                              (Household.tekun, "tekun", "特困供养")):
        listed = _household_listed(ctx, fact)
        out.append(_household_rows(ctx, and_(flag.is_(True), ~listed),
                                   f"登记为{title}户，民政{title}名册中无该户成员"))
        out.append(_household_rows(ctx, and_(flag.is_(False), listed),
                                   f"民政{title}名册中有该户成员，登记未标记为{title}户"))
    return out


@rule("house_dangerous", source="housing", title="登记安全住房被住建列为危房",
      aspect="住房安全有保障（非 C/D 级危房）")
def house_dangerous(ctx: MatchContext) -> list:
    """A house whose latest appraisal in the register is A or B while 住建 lists the
    household (by its head's ID number) as C or D."""
    later = aliased(HouseAppraisal)
    latest_safe = exists().where(
        HouseAppraisal.house_id == House.id, HouseAppraisal.grade.in_(("A", "B")),
        ~exists().where(later.house_id == HouseAppraisal.house_id,
                        (later.appraised_on > HouseAppraisal.appraised_on)
                        | ((later.appraised_on == HouseAppraisal.appraised_on)
                           & (later.id > HouseAppraisal.id))))
    return [select(Household.id, cast(null(), Integer).label("member_id"),
                   literal("住建部门名单列为 C/D 级危房，登记为安全住房").label("reason"))
            .where(ctx.households(),
                   exists().where(House.household_id == Household.id, latest_safe),
                   _listed(ctx, Household.id_number, ("grade_c", "grade_d")))]


@rule("disability_certificate", source="disability", title="残疾登记与残联持证不符",
      aspect="残疾人认定")
def disability_certificate(ctx: MatchContext) -> list:
    """Registered disabled without a valid certificate, or certified but not registered."""
    certified = _listed(ctx, Member.id_number, ("certified",))
    return [_member_rows(ctx, and_(Member.disabled.is_(True), ~certified),
                         "登记为残疾，残联无有效残疾人证记录"),
            _member_rows(ctx, and_(Member.disabled.is_(False), certified),
                         "残联有有效残疾人证记录，登记未标记残疾")]


@rule("member_gone", source="public_security", title="在册成员已死亡或迁出",
      aspect="家庭人口")
def member_gone(ctx: MatchContext) -> list:
    """A current member whom the police list as dead or moved out."""
    return [_member_rows(ctx, _listed(ctx, Member.id_number, ("dead",)),
                         "公安户籍数据显示已死亡"),
            _member_rows(ctx, _listed(ctx, Member.id_number, ("moved",)),
                         "公安户籍数据显示已迁出")]
