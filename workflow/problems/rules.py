"""Guards of problem_rectification: who reports and who verifies follows the problem.

The responsible place's level decides which report action fits (村, 乡镇 or 县), the
finder's level which verification; both read only the problem, so the buttons that do not
fit are not offered. A verifier never checks their own report.
"""
from __future__ import annotations

from sqlalchemy import select

from workflow.audit.models import AuditEvent
from workflow.engine.registry import guard
from workflow.extensions import db
from workflow.jurisdictions.models import LEVEL_TITLES
from workflow.problems import models as _models  # noqa: F401 (registers the subject)

REPORTS = ("report_by_village", "report_by_township", "report_by_county")


def _responsible_is(level: str):
    def check(ctx) -> list[str]:
        place = ctx.subject.place
        if place.level == level:
            return []
        return [f"该问题的责任单位是{place.name}（{LEVEL_TITLES[place.level]}级），"
                f"整改情况由{LEVEL_TITLES[place.level]}级报送"]
    return check


def _found_by(level: str):
    def check(ctx) -> list[str]:
        found = ctx.subject.found_level
        if found == level:
            return []
        return [f"该问题由{ctx.subject.found_by_title}发现，须由{LEVEL_TITLES[found]}级核验销号"]
    return check


for _level in ("village", "township", "county"):
    guard(f"responsible_is_{_level}", subject_only=True)(_responsible_is(_level))
for _level in ("township", "county", "city"):
    guard(f"found_by_{_level}", subject_only=True)(_found_by(_level))


@guard("responsible_department")
def responsible_department(ctx) -> list[str]:
    """A county department reports only the problems assigned to it."""
    wanted = ctx.subject.department
    if ctx.assignment.role != "county_sector" or ctx.assignment.department == wanted:
        return []
    if not wanted:
        return ["该问题未指定责任部门，整改情况由县扶贫办报送"]
    return [f"该问题的责任部门是{ctx.subject.department_title}，不能由其他部门报送"]


@guard("verifier_not_reporter")
def verifier_not_reporter(ctx) -> list[str]:
    """Whoever reported the rectification may not verify it (自查 at one level)."""
    reporter = db.session.execute(
        select(AuditEvent.actor_id, AuditEvent.on_behalf_of_id)
        .where(AuditEvent.case_id == ctx.case.id, AuditEvent.action.in_(REPORTS))
        .order_by(AuditEvent.seq.desc()).limit(1)).first()
    if reporter and ctx.actor.id in reporter:
        return ["整改情况由您报送，须由发现问题单位的其他人员核验"]
    return []
