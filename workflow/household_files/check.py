"""Is each part of a printed package still what the system holds?

A case's parts (archive cover, sheet, notice, announcement) are current while the case's
trail head is the one they were printed at; an evidence part while its attachment is
still held with the same SHA-256; the 明白卡 while it would show what it showed
(cards/content.check). What the public page may say: the household number, the village,
when the package was made and, per part, its title (no name), pages and verdict.
"""
from __future__ import annotations

from typing import Any

from workflow.cards import content as card_content
from workflow.cases.models import Case
from workflow.documents import verify
from workflow.evidence.models import Attachment
from workflow.extensions import db
from workflow.household_files.models import HouseholdFile, HouseholdFilePart
from workflow.registry.models import Household

STATUS_TITLES = {"current": "当前有效", "outdated": "已过期"}


def part_status(part: HouseholdFilePart, household_id: int) -> str:
    if part.kind == "card":
        return "current" if card_content.check(household_id, part.code or "").get(
            "status") == "current" else "outdated"
    if part.kind == "evidence":
        held = db.session.get(Attachment, part.source_id) if part.source_id else None
        return "current" if held is not None and held.sha256 == part.source_version \
            else "outdated"
    case = db.session.get(Case, part.case_id) if part.case_id else None
    return "current" if case is not None and case.trail_head == part.source_version \
        else "outdated"


def check(code: str) -> dict[str, Any]:
    """current (every part current) | outdated (some part not) | unknown, with the parts."""
    wanted = verify.normalize(code or "")
    if len(wanted) != verify.CODE_LENGTH:
        return {"status": "unknown"}
    made = db.session.execute(db.select(HouseholdFile).where(
        HouseholdFile.code == wanted)).scalar_one_or_none()
    household = db.session.get(Household, made.household_id) if made else None
    if made is None or household is None:
        return {"status": "unknown"}
    parts = [{"seq": p.seq, "title": p.title, "kind": p.kind_title, "first_page": p.first_page,
              "pages": p.pages, "code": verify.display(p.code) if p.code else "",
              "status": (status := part_status(p, made.household_id)),
              "status_title": STATUS_TITLES[status]} for p in made.parts]
    outdated = sum(p["status"] == "outdated" for p in parts)
    return {"status": "outdated" if outdated else "current", "outdated": outdated,
            "household_id": made.household_id, "village": household.village.name,
            "created_at": made.created_at, "pages": made.pages, "parts": parts,
            "code": verify.display(made.code)}
