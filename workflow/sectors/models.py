"""Sector data (行业部门数据) as stored: each import of a department's roster, its rows,
the county's sealed chain of imports and verifications, match runs and the
discrepancies they found (kept apart from the register: nothing here edits it)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow import clock
from workflow.audit.models import ChainedEvent
from workflow.extensions import db

STATUSES = {"open": "待核实", "corrected": "已核实更正", "sector_wrong": "部门数据有误",
            "cleared": "数据已一致"}


class SectorImport(db.Model):
    """One department file taken in for a county: which format, as of which date, the
    file's SHA-256 and how many rows. Never changed after the import."""

    __tablename__ = "sector_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(db.String(32), index=True)
    county_id: Mapped[int] = mapped_column(db.ForeignKey("jurisdictions.id"), index=True)
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), index=True)
    as_of: Mapped[dt.date]
    filename: Mapped[str] = mapped_column(db.String(200))
    sha256: Mapped[str] = mapped_column(db.String(64), index=True)
    rows: Mapped[int]
    actor_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"))
    imported_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)

    county = relationship("Jurisdiction", lazy="joined")


class SectorRecord(db.Model):
    """One row of an import: whom it is about (ID number) and the fact it states
    (``fact`` from the format's choices, ``value`` e.g. a house's grade)."""

    __tablename__ = "sector_records"
    __table_args__ = (db.Index("ix_sector_records_import_id_number", "import_id", "id_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(db.ForeignKey("sector_imports.id"))
    line: Mapped[int]
    id_number: Mapped[str] = mapped_column(db.String(18))
    name: Mapped[str] = mapped_column(db.String(64))
    fact: Mapped[str] = mapped_column(db.String(24))
    value: Mapped[str | None] = mapped_column(db.String(64))


class SectorChain(db.Model):
    """The head of a county's sector-data chain; its row is locked while an event is
    appended, so two writers queue instead of forking the chain."""

    __tablename__ = "sector_chains"

    county_id: Mapped[int] = mapped_column(db.ForeignKey("jurisdictions.id"), primary_key=True)
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), index=True)
    seq: Mapped[int] = mapped_column(default=0)
    head: Mapped[str | None] = mapped_column(db.String(64))


class SectorEvent(ChainedEvent, db.Model):
    """An import or a verification (核实), on its county's sector-data chain."""

    __tablename__ = "sector_events"
    __table_args__ = (db.UniqueConstraint("county_id", "seq"),)
    HASHED = ("county_id", "jurisdiction_path", "seq", "action", "action_title",
              "actor_id", "actor_name", "role", "summary", "data")

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(db.ForeignKey("jurisdictions.id"))
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), index=True)
    action: Mapped[str] = mapped_column(db.String(32))
    summary: Mapped[str] = mapped_column(db.Text)


class MatchRun(db.Model):
    """One comparison of a county's register with its latest sector data."""

    __tablename__ = "sector_match_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(db.ForeignKey("jurisdictions.id"), index=True)
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    imports: Mapped[dict] = mapped_column(db.JSON, default=dict)  # source -> import id
    found: Mapped[int] = mapped_column(default=0)
    opened: Mapped[int] = mapped_column(default=0)
    cleared: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[float] = mapped_column(default=0.0)
    actor_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"))


class MatchHit(db.Model):
    """Scratch rows of a run (what each rule found) before they are merged into the
    discrepancies; emptied at the end of the run."""

    __tablename__ = "sector_match_hits"
    # The merge asks, for every open discrepancy of the county, whether this run found
    # it again: with only run_id indexed each ask read all the run's hits (the second
    # run over 1,000,000 households did not end in 8 minutes).
    __table_args__ = (db.Index("ix_sector_match_hits_key", "run_id", "household_id",
                               "rule"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(db.ForeignKey("sector_match_runs.id"), index=True)
    rule: Mapped[str] = mapped_column(db.String(32))
    import_id: Mapped[int] = mapped_column(db.ForeignKey("sector_imports.id"))
    household_id: Mapped[int] = mapped_column(db.ForeignKey("households.id"))
    member_id: Mapped[int | None] = mapped_column(db.ForeignKey("household_members.id"))
    reason: Mapped[str] = mapped_column(db.String(200))


class Discrepancy(db.Model):
    """A disagreement between the register and a department's data, for the village
    to verify: 已核实更正 (with evidence) or 部门数据有误 (with a note)."""

    __tablename__ = "sector_discrepancies"
    __table_args__ = (db.Index("ix_sector_discrepancies_key", "household_id", "rule",
                               "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The run that opened it, or (status cleared) the run that found the data agreeing.
    run_id: Mapped[int] = mapped_column(db.ForeignKey("sector_match_runs.id"), index=True)
    rule: Mapped[str] = mapped_column(db.String(32))
    source: Mapped[str] = mapped_column(db.String(32))
    import_id: Mapped[int] = mapped_column(db.ForeignKey("sector_imports.id"))
    household_id: Mapped[int] = mapped_column(db.ForeignKey("households.id"))
    member_id: Mapped[int | None] = mapped_column(db.ForeignKey("household_members.id"))
    village_id: Mapped[int] = mapped_column(db.ForeignKey("jurisdictions.id"), index=True)
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), index=True)
    reason: Mapped[str] = mapped_column(db.String(200))
    status: Mapped[str] = mapped_column(db.String(16), default="open", index=True)
    note: Mapped[str | None] = mapped_column(db.Text)
    evidence: Mapped[str | None] = mapped_column(db.String(200))
    verified_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("users.id"))
    verified_at: Mapped[dt.datetime | None]

    household = relationship("Household", lazy="joined")
    member = relationship("Member", lazy="joined")
    village = relationship("Jurisdiction", lazy="joined")

    @property
    def status_title(self) -> str:
        return STATUSES.get(self.status, self.status)
