"""Setting a value: every input checked before anything is written (Chinese messages
naming the setting by its title), the scope and the place hierarchy respected, the row
and its administration-trail event committed together."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select

from workflow.audit import admin
from workflow.auth.models import User
from workflow.engine.errors import Forbidden, Invalid
from workflow.engine.fields import parse_int, plain_text, to_decimal
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.settings.keys import Spec, spec
from workflow.settings.lookup import ancestor_paths, lookup, python_value, resolve_time
from workflow.settings.models import SettingValue

admin.actions({"setting_set": "设置参数"})

YEARS = (2000, 2100)
MONTH_DAY = re.compile(r"(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")
LIMITS = {"document": 128, "reason": 500}
LABELS = {"key": "参数", "value": "数值", "year": "年度", "on": "施行日期", "place": "地区",
          "document": "文号", "reason": "说明"}


def _number(value: Any) -> str:
    """7600 -> "7,600"; Decimal 1.5 -> "1.5"."""
    return f"{value:,}" if isinstance(value, int) else str(value)


def display(one: Spec, value: Any) -> str:
    """A value as a person reads it: "7,600 元/人·年", "修缮加固、新建", "06-30"."""
    if value is None:
        return "未设置"
    if one.kind in {"choice", "choices"}:
        items = value if isinstance(value, list) else [value]
        return "、".join(one.choices.get(str(v), str(v)) for v in items)
    text = _number(value)
    return f"{text} {one.unit}" if one.unit and one.kind != "month_day" else text


def parse_value(one: Spec, raw: Any) -> Any:
    """The JSON value to store for ``raw`` (text from a form or the CLI, or JSON), or
    Invalid naming the setting."""
    title = f"「{one.title}」"
    low, high = one.floor, one.maximum
    if one.kind in {"yuan", "days", "count", "percent"}:
        lo = int(low) if low is not None else 0
        hi = int(high) if high is not None else 2**31 - 1
        text = raw.replace(",", "").strip() if isinstance(raw, str) else raw
        number = parse_int(text, -(2**63), 2**63)
        too_long = isinstance(text, str) and text.lstrip("+-").isascii() and \
            text.lstrip("+-").isdigit()
        if number is None and not too_long:
            raise _invalid("value", f"{title}须为整数（{one.unit}）")
        if number is None or not lo <= number <= hi:
            why = ""
            if one.min_days is not None and number < one.min_days:
                why = f"，不得少于办理流程规定的最短 {one.min_days} 天"
            raise _invalid("value", f"{title}须在 {lo:,} 至 {hi:,} 之间（{one.unit}）{why}")
        return number
    if one.kind == "decimal":
        number = to_decimal(raw) if not isinstance(raw, float) else to_decimal(str(raw))
        if number is None or number.as_tuple().exponent < -4:
            raise _invalid("value", f"{title}须为数字（最多 4 位小数）")
        if (low is not None and number < low) or (high is not None and number > high):
            raise _invalid("value", f"{title}须在 {low} 至 {high} 之间")
        return str(number.normalize()) if number == number.to_integral() else str(number)
    if one.kind == "month_day":
        text = raw.strip() if isinstance(raw, str) else ""
        if not MONTH_DAY.fullmatch(text) or not _real_day(text):
            raise _invalid("value", f"{title}须为“月-日”，如 06-30")
        return text
    if one.kind == "choice":
        text = raw.strip() if isinstance(raw, str) else None
        if text not in one.choices:
            raise _invalid("value", f"{title}须为以下之一：{_choices(one)}")
        return text
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise _invalid("value", f"{title}须为以下一项或多项：{_choices(one)}")
    items = [i.strip() for i in items if i.strip()]
    if not items or any(i not in one.choices for i in items) or len(set(items)) < len(items):
        raise _invalid("value", f"{title}须为以下一项或多项（不重复）：{_choices(one)}")
    return items


def _choices(one: Spec) -> str:
    return "、".join(f"{k}（{v}）" for k, v in one.choices.items())


def _real_day(text: str) -> bool:
    try:
        dt.date(2001, int(text[:2]), int(text[3:]))  # a year without 29 February
    except ValueError:
        return False
    return True


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(message, {field: [message]})


def _text(field: str, raw: Any, *, required: bool) -> str:
    return plain_text(field, LABELS[field], raw, limit=LIMITS[field], required=required,
                      hint="（设置该参数的文件文号）")


def _when(one: Spec, year: Any, on: Any) -> tuple[int | None, dt.date | None]:
    """The year of a per-year key, the date of an effective-date key (a year alone for an
    effective-date key: from 1 January of that year)."""
    if year not in (None, ""):
        year = parse_int(year, *YEARS)
        if year is None:
            raise _invalid("year", f"「{LABELS['year']}」须为 {YEARS[0]} 至 {YEARS[1]} 之间的年份")
    else:
        year = None
    if on not in (None, ""):
        if isinstance(on, str):
            try:
                on = dt.date.fromisoformat(on.strip())
            except ValueError:
                on = None
        if not isinstance(on, dt.date) or not YEARS[0] <= on.year <= YEARS[1]:
            raise _invalid("on", f"「{LABELS['on']}」须为日期，如 2026-01-01")
    else:
        on = None
    if one.per_year:
        if on is not None and year is None:
            year = on.year
        return resolve_time(one, year, None)
    if on is None and year is not None:
        on = dt.date(year, 1, 1)
    return resolve_time(one, None, on)


def _place(raw: Any) -> Jurisdiction | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, Jurisdiction):
        return raw
    code = raw.strip() if isinstance(raw, str) else ""
    place = None
    if code.isascii() and code.isdigit() and len(code) <= 12:
        place = db.session.execute(
            select(Jurisdiction).filter_by(code=code)).scalar_one_or_none()
    if place is None:
        raise _invalid("place", f"「{LABELS['place']}」不存在：请填写地区代码")
    return place


def is_cli(actor: User) -> bool:
    """The server's command line (admin.cli_actor) may set any value."""
    return actor.username == admin.CLI_USERNAME and not actor.active


def top_place(actor: User) -> Jurisdiction | None:
    """The top-level place the actor administers (for the CLI: the first one)."""
    if is_cli(actor):
        return db.session.execute(select(Jurisdiction).where(Jurisdiction.parent_id.is_(None))
                                  .order_by(Jurisdiction.code)).scalars().first()
    return next((a.jurisdiction for a in actor.assignments
                 if a.role == "admin" and a.jurisdiction.parent_id is None), None)


def may_set(actor: User, place: Jurisdiction | None) -> bool:
    """An administrator over the place; installation-wide values: of a top-level place."""
    if is_cli(actor):
        return True
    if place is None:
        return top_place(actor) is not None
    return any(a.role == "admin" for a in actor.roles_over(place))


def _check_parent(one: Spec, value: Any, place: Jurisdiction | None, *, year, on) -> None:
    """A place may be stricter than what applies above it, never laxer."""
    if place is None or one.stricter == "none":
        return
    above = lookup(one.key, place=place.parent, year=year, on=on)
    if above is None:
        return
    new, old = python_value(one, value), above.value
    laxer = new < old if one.stricter == "higher" else new > old
    if laxer:
        where = above.place_name or ("全系统" if above.set_at else "系统默认")
        word = "低于" if one.stricter == "higher" else "高于"
        message = (f"「{one.title}」不能{word}上级（{where}）的 {display(one, old)}"
                   f"（依据：{above.source}）；下级只能设置更严格的标准")
        raise _invalid("value", message)


def set_setting(actor: User, key: Any, value: Any, *, year: Any = None, on: Any = None,
                place: Any = None, document: Any, reason: Any = "") -> SettingValue:
    """Record ``value`` for ``key`` at ``place`` (a Jurisdiction or its code; None:
    installation-wide) for ``year`` (per-year keys; default this year) or from ``on``
    (effective-date keys), with the document (文号) that set it; committed with its
    administration-trail event. Invalid / Forbidden before anything is written."""
    one = spec(key) if isinstance(key, str) else None
    if one is None:
        raise _invalid("key", f"「{LABELS['key']}」不存在")
    stored = parse_value(one, value)
    year, on = _when(one, year, on)
    target = _place(place)
    if target is not None and not one.place:
        raise _invalid("place", f"「{one.title}」只能全系统统一设置")
    document = _text("document", document, required=True)
    reason = _text("reason", reason, required=False)
    if not may_set(actor, target):
        where = target.name if target else "全系统"
        raise Forbidden(f"您不是{where}的系统管理员，不能设置「{one.title}」")
    trail_place = target or top_place(actor)
    if trail_place is None:
        raise Forbidden("尚无地区，无法记录管理留痕：请先导入行政区划")
    _check_parent(one, stored, target, year=year, on=on)
    before = _own_value(one, target, year=year, on=on)
    row = SettingValue(key=one.key, value=stored, year=year, effective_on=on,
                       place_id=target.id if target else None,
                       place_path=target.path if target else None, document=document,
                       reason=reason, set_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    when = f"{year} 年" if year is not None else f"自 {on} 起"
    where = target.name if target else "全系统"
    shown = display(one, python_value(one, stored))
    admin.record(trail_place, "setting_set", actor,
                 f"设置{where}{when}「{one.title}」为 {shown}（{document}）",
                 {"key": one.key, "title": one.title,
                  "value": {"before": before, "after": stored},
                  "year": year, "effective_on": on.isoformat() if on else None,
                  "place": target.code if target else None,
                  "document": document, "reason": reason},
                 target=f"setting:{one.key}")
    db.session.commit()
    return row


def _own_value(one: Spec, place: Jurisdiction | None, *, year, on) -> Any:
    """The value this same place had for this year/date before (what the row supersedes)."""
    query = select(SettingValue.value).where(
        SettingValue.key == one.key,
        SettingValue.place_id == place.id if place else SettingValue.place_id.is_(None))
    if one.per_year:
        query = query.where(SettingValue.year == year)
    else:
        query = query.where(SettingValue.effective_on == on)
    return db.session.execute(query.order_by(SettingValue.id.desc())).scalars().first()


def history(key: str, places: list[str] | None = None) -> list[SettingValue]:
    """Every value set for ``key`` (newest first), within the paths given (and the
    installation-wide ones) when ``places`` is not None."""
    from workflow.jurisdictions.scope import paths_filter

    query = select(SettingValue).where(SettingValue.key == key)
    if places is not None:  # the places in scope, and those above them (their values apply)
        above = {a for p in places for a in ancestor_paths(p)}
        query = query.where(SettingValue.place_path.is_(None)
                            | SettingValue.place_path.in_(above)
                            | paths_filter(SettingValue.place_path, places))
    return db.session.execute(query.order_by(SettingValue.id.desc())).scalars().all()
