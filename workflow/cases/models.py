"""The case row keeps only what the next sign-off needs, so a sign-off stays cheap."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow import clock
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction


class ProcedureVersion(db.Model):
    """A definition snapshot, keyed by its content hash; cases run on the one they began with."""

    __tablename__ = "procedure_versions"

    version: Mapped[str] = mapped_column(db.String(16), primary_key=True)
    key: Mapped[str] = mapped_column(db.String(48), index=True)
    body: Mapped[dict] = mapped_column(db.JSON)
    loaded_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)


class Case(db.Model):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure: Mapped[str] = mapped_column(db.String(48), index=True)
    definition_version: Mapped[str] = mapped_column(
        db.ForeignKey("procedure_versions.version"), index=True)
    subject_type: Mapped[str] = mapped_column(db.String(24))
    subject_id: Mapped[int] = mapped_column(index=True)
    village_id: Mapped[int] = mapped_column(db.ForeignKey("jurisdictions.id"), index=True)
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), index=True)
    title: Mapped[str] = mapped_column(db.String(128))
    state: Mapped[str] = mapped_column(db.String(48), index=True)
    year: Mapped[int]
    # Form values by step, the co-signatures collected in the current state and the
    # signers per level (for separation of duties): small, so a sign-off stays cheap.
    data: Mapped[dict] = mapped_column(db.JSON, default=dict)
    cosigns: Mapped[dict] = mapped_column(db.JSON, default=dict)
    signers: Mapped[dict] = mapped_column(db.JSON, default=dict)
    trail_head: Mapped[str] = mapped_column(db.String(64), default="")
    event_count: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow, index=True)
    state_entered_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    version: Mapped[int] = mapped_column(default=1)

    village: Mapped[Jurisdiction] = relationship(lazy="joined")

    # The version is bumped by ``perform`` only (one per sign-off), and every UPDATE is
    # guarded by it: a stale writer updates no row and gets StaleDataError.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
