"""Time-limit warnings: a periodic job tells the handlers of a case's current step when one
of its limits turns 临期 (yellow) or 超期 (red), once per case, step and level.

Once means the event key: ``limit:<case>:<limit>:<when the case entered the step>:<level>``
with the notifications' unique (user, event, kind), so a second run, another worker or a
retry notifies nobody twice, and a case that leaves the step and comes back is warned
again for its new stay. The cases are found with the lists' own filter (timelimits.
level_clause) and judged a batch at a time (two queries a batch).
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import or_, select

from workflow.cases import timelimits
from workflow.cases.models import Case
from workflow.engine import store
from workflow.extensions import db
from workflow.jobs.registry import periodic
from workflow.notifications.events import handlers
from workflow.notifications.operations import kinds, notify

kinds({"limit_warning": "办理时限预警"})
BATCH = 500
TEXT = {"yellow": "办理时限临期", "red": "办理时限已超期"}


def event_key(case: Case, status: timelimits.LimitStatus) -> str:
    """The warning's identity: the case, the limit, the stay in the step, the level."""
    entered = int(case.state_entered_at.timestamp())
    return f"limit:{case.id}:{status.name[:24]}:{entered}:{status.level}"


def send_warnings() -> int:
    """Notify every yellow or red limit not notified yet; how many (case, limit, level)
    warnings were handed to ``notify`` (those already sent add no row). Committed per
    batch."""
    definitions = list(store.catalog().procedures.values())
    late = or_(timelimits.level_clause(definitions, "yellow"),
               timelimits.level_clause(definitions, "red"))
    handed, after = 0, 0
    while True:
        cases = db.session.execute(select(Case).where(late, Case.id > after)
                                   .order_by(Case.id).limit(BATCH)).scalars().all()
        if not cases:
            break
        found = timelimits.for_cases(cases)
        for case in cases:
            definition = store.by_version(case.definition_version)
            users = handlers(case, definition, case.state)
            if users is None:
                continue
            for status in found.get(case.id, []):
                if status.level not in TEXT or status.name == "supervision":
                    continue  # a 督办 was notified when issued
                notify(users, "limit_warning", event_key(case, status),
                       f"{TEXT[status.level]}：{case.title}，「{status.title}」"
                       f"{status.text}（{status.due_on} 到期）", case_id=case.id,
                       link=f"/cases/{case.id}")
                handed += 1
        db.session.commit()
        after = cases[-1].id
    return handed


@periodic(cron="7 * * * *", name="notifications.limit_warnings", title="办理时限预警通知")
def limit_warnings() -> None:
    """Hourly: warn the handlers of the cases whose limits turned yellow or red."""
    handed = send_warnings()
    current_app.logger.info("limit warnings: %s handed to notify", handed)
