"""Batch print jobs: their state lives in the database, their PDF in DOCUMENTS_FOLDER.

The app servers keep nothing in memory between requests, so any server can answer a
progress poll; a job whose worker died stops sending heartbeats and is reported failed.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Mapped, mapped_column

from workflow import clock
from workflow.extensions import db

JOB_STATES = {"queued": "排队中", "running": "生成中", "done": "已完成", "failed": "失败"}


class DocumentJob(db.Model):
    __tablename__ = "document_jobs"

    id: Mapped[str] = mapped_column(db.String(32), primary_key=True)  # random, unguessable
    user_id: Mapped[int] = mapped_column(db.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    kind: Mapped[str] = mapped_column(db.String(16))
    filters: Mapped[dict] = mapped_column(db.JSON, default=dict)
    state: Mapped[str] = mapped_column(db.String(16), default="queued")
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(db.String(200), default="")
    size: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    finished_at: Mapped[dt.datetime | None]

    @property
    def state_title(self) -> str:
        return JOB_STATES.get(self.state, self.state)
