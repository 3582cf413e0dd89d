"""The special-action board (专项行动作战图): per action, place and month, the people (or
households) each coverage rule concerns, those covered and the gaps, per place below
(summed over its subtree), and the drill-down to the households with gaps.

Each rule is one GROUP BY query over the register (rules.by_village); only the villages'
counts are summed here, never households, so the board stays fast on a large register.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from workflow import clock
from workflow.auth.models import User
from workflow.engine.errors import Invalid
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.jurisdictions.scope import place_by_code, places_in_scope, scope_filter
from workflow.registry.models import Household
from workflow.support.catalog import catalog
from workflow.support.operations import sector_actions
from workflow.support.rules import RULES, Month, by_village, gap_households

QUERY_MESSAGE = "查询参数有误"


def month_of(text: str | None) -> Month:
    """``YYYY-MM`` (default: this month, China time) as a Month; Invalid naming 月份."""
    if not text:
        today = clock.today()
        return Month.of(today.year, today.month)
    found = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if not found or not (2014 <= int(found[1]) <= 2035 and 1 <= int(found[2]) <= 12):
        raise Invalid(QUERY_MESSAGE, {"month": [
            "「月份」应为 2014-01 至 2035-12 的年-月，如 2020-06"]})
    return Month.of(int(found[1]), int(found[2]))


def actions_shown(user: User) -> dict[str, str]:
    """The actions the user's boards offer: a county sector user sees its own."""
    mine = sector_actions(user)
    return {k: t for k, t in catalog().actions.items() if mine is None or k in mine}


def action_of(user: User, text: str | None) -> str:
    shown = actions_shown(user)
    if not shown:
        raise Invalid(QUERY_MESSAGE, {"special_action": ["您的部门没有牵头的专项行动"]})
    if not text:
        return next(iter(shown))
    if text not in shown:
        raise Invalid(QUERY_MESSAGE, {"special_action": [
            "「专项行动」必须是：" + "、".join(shown.values())]})
    return text


def place_of(user: User, code: str | None) -> Jurisdiction:
    """The place asked for (in scope), else the user's highest place."""
    if code:
        place = place_by_code(code, user)
        if place is None:
            raise Invalid(QUERY_MESSAGE, {"place": ["所选「地区」不存在或不在您的管辖范围内"]})
        return place
    places = places_in_scope(user)
    if not places:
        raise Invalid(QUERY_MESSAGE, {"place": ["您没有管辖范围"]})
    return min(places, key=lambda p: len(p.path))


def _where(user: User, place: Jurisdiction) -> list:
    return [Household.jurisdiction_path.startswith(place.path, autoescape=True),
            scope_filter(Household.jurisdiction_path, user)]


def board(user: User, action: str, place: Jurisdiction, month: Month) -> list[dict]:
    """Per rule of ``action``: totals and one row per place directly below ``place``."""
    month.place_path = place.path
    out = []
    for rule in (r for r in RULES.values() if r.action == action):
        counts = by_village(rule, month, _where(user, place))
        paths = dict(db.session.execute(select(Jurisdiction.id, Jurisdiction.path).where(
            Jurisdiction.id.in_([v for v, _, _ in counts]))).all()) if counts else {}
        below: dict[str, list[int]] = {}
        for village_id, concerned, covered in counts:
            rest = paths.get(village_id, place.path)[len(place.path):]
            code = rest.split("/")[0] or place.code
            row = below.setdefault(code, [0, 0])
            row[0] += concerned
            row[1] += covered
        names = dict(db.session.execute(select(Jurisdiction.code, Jurisdiction.name).where(
            Jurisdiction.code.in_(list(below)))).all()) if below else {}
        places = [{"code": code, "name": names.get(code, code), "concerned": n,
                   "covered": c, "gaps": n - c} for code, (n, c) in sorted(below.items())]
        total_n = sum(p["concerned"] for p in places)
        total_c = sum(p["covered"] for p in places)
        out.append({"rule": rule.name, "title": rule.title, "places": places,
                    "concerned": total_n, "covered": total_c, "gaps": total_n - total_c})
    return out


def gaps(user: User, rule_name: str | None, place: Jurisdiction, month: Month) -> list[dict]:
    """The households of ``place`` with gaps under the rule (at most 500)."""
    rule = RULES.get(rule_name or "")
    shown = actions_shown(user)
    if rule is None or rule.action not in shown:
        raise Invalid(QUERY_MESSAGE, {"rule": ["「覆盖规则」必须是：" + "、".join(
            r.title for r in RULES.values() if r.action in shown)]})
    month.place_path = place.path
    rows = gap_households(rule, month, _where(user, place))
    households = {h.id: h for h in db.session.execute(select(Household).where(
        Household.id.in_([r[0] for r in rows]))).scalars()} if rows else {}
    return [{"household": households[hid], "gaps": int(n)} for hid, n in rows
            if hid in households]


def month_text(month: Month) -> str:
    return f"{month.first.year}-{month.first.month:02d}"
