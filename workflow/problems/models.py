"""A problem (问题) found by a check: the subject of a rectification case.

Its place is the responsible place (村, 乡镇 or 县) that rectifies it; ``found_place`` is
the place whose check found it, whose level verifies and closes it (销号). Where the
problem stands lives in its case (整改中, 待核验, 已销号), never in this row, so the
row holds only what was recorded, and ``audit verify`` compares it with its event.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow import clock
from workflow.engine.registry import subject
from workflow.extensions import db
from workflow.jurisdictions.models import LEVEL_TITLES, Jurisdiction

# 问题来源 -> (title, the levels whose officials may record it)
SOURCES = {
    "city_check": ("市级排查", ("city",)),
    "county_check": ("县级排查", ("county",)),
    "township_check": ("乡镇排查", ("township",)),
    "self_check": ("自查", ("county", "township")),
    "inspection": ("督查巡查", ("city", "county")),
    "audit": ("审计发现", ()),  # only from an auditor's confirmed finding
}
CATEGORIES = {"policy": "政策落实", "funds": "资金项目", "data": "数据质量",
              "assistance": "帮扶工作", "housing": "住房安全", "style": "工作作风",
              "other": "其他"}
# The levels that record and verify problems, and the roles that do it at each.
RECORDING_ROLES = {"city": "city_poverty_office", "county": "county_poverty_office",
                   "township": "township_reviewer"}


@subject("problem")
class Problem(db.Model):
    __tablename__ = "problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(db.String(100))
    description: Mapped[str] = mapped_column(db.Text)
    source: Mapped[str] = mapped_column(db.String(16), index=True)
    category: Mapped[str] = mapped_column(db.String(16))
    place_id: Mapped[int] = mapped_column(db.ForeignKey("jurisdictions.id"), index=True)
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), index=True)
    department: Mapped[str | None] = mapped_column(db.String(24))
    found_place_id: Mapped[int] = mapped_column(db.ForeignKey("jurisdictions.id"))
    found_level: Mapped[str] = mapped_column(db.String(16))
    deadline: Mapped[dt.date]
    finding_id: Mapped[int | None] = mapped_column(db.ForeignKey("findings.id"), unique=True)
    recorded_by_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"))
    recorded_by_name: Mapped[str] = mapped_column(db.String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)

    place: Mapped[Jurisdiction] = relationship(lazy="joined", foreign_keys=[place_id])
    found_place: Mapped[Jurisdiction] = relationship(lazy="joined",
                                                     foreign_keys=[found_place_id])

    # The values recorded in the problem's register event, compared by ``audit verify``.
    RECORDED = ("title", "description", "source", "category", "place_id", "department",
                "found_place_id", "found_level", "deadline", "finding_id", "recorded_by_id")

    @classmethod
    def prefetch(cls) -> tuple:
        return ()

    # What a case needs of its subject: the place it belongs to.
    @property
    def village(self) -> Jurisdiction:
        return self.place

    @property
    def village_id(self) -> int:
        return self.place_id

    @property
    def head_name(self) -> str:
        return self.title

    @property
    def masked_id(self) -> str:
        return f"问题 {self.id}"

    @property
    def source_title(self) -> str:
        return SOURCES.get(self.source, (self.source,))[0]

    @property
    def category_title(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    @property
    def department_title(self) -> str:
        from workflow.projects.models import DEPARTMENTS

        return DEPARTMENTS.get(self.department, self.department) if self.department else ""

    @property
    def found_by_title(self) -> str:
        return f"{self.found_place.name}（{LEVEL_TITLES[self.found_level]}级）"

    def summary_rows(self) -> list[tuple[str, str]]:
        """What the case page and the sheet print about the problem."""
        return [("问题概述", self.title), ("问题描述", self.description),
                ("问题来源", self.source_title), ("问题类别", self.category_title),
                ("发现单位", self.found_by_title),
                ("责任单位", self.place.full_name + (f"，{self.department_title}"
                                                   if self.department else "")),
                ("整改时限", self.deadline.isoformat())]
