"""``audit verify`` compares the calendar additions with the administration events that
set them: a row changed, added or deleted behind the application is reported."""
from __future__ import annotations

from sqlalchemy import select

from workflow.audit.chain import Problem
from workflow.audit.models import AdminEvent
from workflow.calendar.models import CalendarDay
from workflow.extensions import db


def problems(scope_paths: list[str] | None) -> list[Problem]:
    """Additions that differ from their last event (checked installation-wide only)."""
    if scope_paths is not None:  # the calendar belongs to no jurisdiction
        return []
    expected: dict[str, dict | None] = {}
    events = select(AdminEvent.target, AdminEvent.data).where(
        AdminEvent.action.in_(["calendar_set", "calendar_removed"])).order_by(AdminEvent.id)
    for target, data in db.session.execute(events):
        expected[target.removeprefix("calendar:")] = (data or {}).get("after")
    found: list[Problem] = []
    for row in db.session.execute(select(CalendarDay)).scalars():
        day = row.day.isoformat()
        recorded = expected.pop(day, None)
        if recorded is None:
            found.append(Problem("节假日设置", None, f"{day} 的节假日设置没有管理留痕"))
        elif recorded != row.recorded():
            found.append(Problem("节假日设置", None,
                                 f"{day} 的节假日设置与管理留痕不符（被改动）"))
    found += [Problem("节假日设置", None, f"{day} 的节假日设置被删除，但管理留痕中没有删除记录")
              for day, recorded in expected.items() if recorded is not None]
    return found
