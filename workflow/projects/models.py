"""Projects in the register, and the assets registered when a project is accepted."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow import clock
from workflow.engine.registry import subject
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.registry.models import versioned

# category -> (title, the county department that appraises it, 论证)
CATEGORIES = {
    "industry": ("产业发展", "agriculture"),
    "infrastructure": ("基础设施", "transport"),
    "water": ("饮水安全", "water"),
    "education": ("教育扶贫", "education"),
    "health": ("健康扶贫", "health"),
    "employment": ("就业扶贫", "human_resources"),
    "housing": ("住房安全", "housing"),
}
DEPARTMENTS = {
    "agriculture": "县农业农村局", "transport": "县交通运输局", "water": "县水利局",
    "education": "县教育局", "health": "县卫生健康局", "human_resources": "县人社局",
    "housing": "县住建局",
    # The departments whose rosters the register is compared with (workflow/sectors).
    "civil_affairs": "县民政局", "medical_insurance": "县医疗保障局",
    "disability": "县残疾人联合会", "public_security": "县公安局",
    # Leads the 党建促脱贫 special action (workflow/support/catalog.yaml).
    "organisation": "县委组织部",
}
NATURES = {"new": "新建", "expansion": "扩建", "rebuild": "改建"}
LIBRARY_STATUSES = {"proposed": "申报中", "in_library": "已入库", "removed": "已出库"}
ASSET_CLASSES = {"operating": "经营性资产", "public": "公益性资产", "household": "到户类资产"}


@subject("project")
class Project(db.Model):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(100), index=True)
    category: Mapped[str] = mapped_column(db.String(24))
    nature: Mapped[str] = mapped_column(db.String(16))
    year: Mapped[int]
    location: Mapped[str] = mapped_column(db.String(200))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    responsible_unit: Mapped[str] = mapped_column(db.String(100))
    budget: Mapped[Decimal] = mapped_column(db.Numeric(14, 2))
    planned_sources: Mapped[str] = mapped_column(db.String(200))  # 资金来源 as planned
    beneficiary_households: Mapped[int]
    beneficiary_poor_households: Mapped[int]
    beneficiary_poor_people: Mapped[int]
    benefit_mechanism: Mapped[str] = mapped_column(db.Text)       # 带贫减贫机制
    performance_targets: Mapped[list] = mapped_column(db.JSON)   # [{indicator, target}]
    library_status: Mapped[str] = mapped_column(db.String(16), default="proposed", index=True)
    entered_library_on: Mapped[dt.date | None]
    removed_on: Mapped[dt.date | None]
    accepted_on: Mapped[dt.date | None]
    village_id: Mapped[int] = mapped_column(db.ForeignKey("jurisdictions.id"), index=True)
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")  # see Household

    village: Mapped[Jurisdiction] = relationship(lazy="joined")

    @classmethod
    def prefetch(cls) -> tuple:
        return ()

    # What a case shows about its subject.
    @property
    def head_name(self) -> str:
        return self.name

    @property
    def masked_id(self) -> str:
        return f"项目 {self.id}"

    @property
    def category_title(self) -> str:
        return CATEGORIES.get(self.category, (self.category,))[0]

    @property
    def department(self) -> str:
        return CATEGORIES[self.category][1]

    @property
    def in_library(self) -> bool:
        return self.library_status == "in_library"

    @property
    def status_title(self) -> str:
        return LIBRARY_STATUSES.get(self.library_status, self.library_status)


versioned(Project)


class Asset(db.Model):
    """扶贫资产登记确权: what a project left, who owns, runs and maintains it."""

    __tablename__ = "assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(db.ForeignKey("projects.id"), unique=True)
    name: Mapped[str] = mapped_column(db.String(100))
    asset_class: Mapped[str] = mapped_column(db.String(16), index=True)
    value: Mapped[Decimal] = mapped_column(db.Numeric(14, 2))
    fund_sources: Mapped[list] = mapped_column(db.JSON)  # [{source, amount}] from allocations
    owner: Mapped[str] = mapped_column(db.String(100))
    manager: Mapped[str] = mapped_column(db.String(100))
    maintainer: Mapped[str] = mapped_column(db.String(100))
    income_sharing: Mapped[str] = mapped_column(db.Text)
    registered_on: Mapped[dt.date]
    village_id: Mapped[int] = mapped_column(db.ForeignKey("jurisdictions.id"), index=True)
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), index=True)

    project: Mapped[Project] = relationship(lazy="joined")
    village: Mapped[Jurisdiction] = relationship(lazy="joined")

    @property
    def class_title(self) -> str:
        return ASSET_CLASSES.get(self.asset_class, self.asset_class)
