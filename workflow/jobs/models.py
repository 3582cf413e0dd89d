"""Background jobs: one row per job (state, progress, heartbeat) and the files they keep.

A job's row is the single place where its state lives: any app server answers a progress
poll from it, any worker may take the job over after a crash. Its files (results, and an
uploaded input such as a roster) live in the database too, so that every app server can
serve them without shared storage; they expire (``jobs.cleanup``, a periodic job).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Mapped, mapped_column

from workflow import clock
from workflow.extensions import db

STATUSES = {"queued": "排队中", "running": "进行中", "done": "已完成", "failed": "失败",
            "cancelled": "已取消"}
ACTIVE = ("queued", "running")


class Job(db.Model):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(db.String(32), primary_key=True)  # random, unguessable
    kind: Mapped[str] = mapped_column(db.String(32))
    user_id: Mapped[int] = mapped_column(db.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    # The place whose data the job reads (the owner's first place unless the params name
    # one): an auditor or administrator over it may see the job too.
    jurisdiction_path: Mapped[str] = mapped_column(db.String(255), default="")
    params: Mapped[dict] = mapped_column(db.JSON, default=dict)
    status: Mapped[str] = mapped_column(db.String(16), default="queued", index=True)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(db.String(200), default="")
    error: Mapped[str] = mapped_column(db.String(500), default="")
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    worker: Mapped[str] = mapped_column(db.String(64), default="")
    queue_job_id: Mapped[int | None] = mapped_column(db.BigInteger)  # procrastinate's id
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow, index=True)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]

    @property
    def status_title(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return min(100, int(self.done * 100 / self.total)) if self.total else 0


class JobFile(db.Model):
    __tablename__ = "job_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(db.ForeignKey("jobs.id", ondelete="CASCADE"),
                                        index=True)
    role: Mapped[str] = mapped_column(db.String(16), default="result")  # result | input
    name: Mapped[str] = mapped_column(db.String(200))
    mimetype: Mapped[str] = mapped_column(db.String(100))
    size: Mapped[int] = mapped_column(default=0)
    data: Mapped[bytes] = mapped_column(db.LargeBinary, deferred=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
