"""A comment is an event on its case's comment chain; the head row keeps the chain's end.

The chain is the case's own but separate from its trail: a comment never moves the case
nor bumps its version, so an official who opened the page before someone commented still
signs off without a conflict."""
from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from workflow.audit.models import ChainedEvent
from workflow.extensions import db

MAX_BODY = 2000


class CaseComment(ChainedEvent, db.Model):
    """One 批注: its text, the comment it answers (``parent_id``), whom it mentions
    (``data["mentions"]``: id, username, name), hashed with the previous comment's hash."""

    __tablename__ = "case_comments"
    __table_args__ = (db.UniqueConstraint("case_id", "seq"),)
    HASHED = ("case_id", "jurisdiction_path", "seq", "parent_id", "action_title", "actor_id",
              "actor_name", "role", "body", "data")

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(db.ForeignKey("cases.id"), index=True)
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), index=True)
    parent_id: Mapped[int | None] = mapped_column(db.ForeignKey("case_comments.id"))
    body: Mapped[str] = mapped_column(db.Text)


class CommentChain(db.Model):
    """The length and last hash of a case's comment chain (a deleted last comment shows)."""

    __tablename__ = "case_comment_chains"

    case_id: Mapped[int] = mapped_column(db.ForeignKey("cases.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    head: Mapped[str] = mapped_column(db.String(64), default="")
