"""Hash-chained events: a case's trail, each village's register trail and each fund
source's ledger trail; every row carries the previous row's hash, and a keyed seal of its
own (``mac``, see keys.py) that only the holder of the audit key can compute."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.extensions import db

GENESIS = "0" * 64


class ChainedEvent:
    """What every hash-chained event holds: its place in the chain, who acted, what was
    entered, when, and the hashes. ``HASHED`` names the fields its hash covers."""

    HASHED: tuple[str, ...] = ()
    # Fields hashed only when set, so that adding one leaves every earlier hash valid.
    OPTIONAL: tuple[str, ...] = ()

    seq: Mapped[int]
    action_title: Mapped[str] = mapped_column(db.String(64))
    actor_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"), index=True)
    actor_name: Mapped[str] = mapped_column(db.String(64))
    role: Mapped[str] = mapped_column(db.String(32))
    data: Mapped[dict] = mapped_column(db.JSON, default=dict)
    at: Mapped[dt.datetime]
    prev_hash: Mapped[str] = mapped_column(db.String(64))
    hash: Mapped[str] = mapped_column(db.String(64))
    # HMAC-SHA256 of ``hash`` under the audit key; NULL only on rows written before the
    # key existed, until `flask audit seal` seals them (verify reports them meanwhile).
    mac: Mapped[str | None] = mapped_column(db.String(64))

    def compute_hash(self) -> str:
        return event_hash({name: getattr(self, name)
                           for name in (*self.HASHED, *self.OPTIONAL, "at", "prev_hash")},
                          self.HASHED, self.OPTIONAL)


class AuditEvent(ChainedEvent, db.Model):
    """One thing that happened to a case, on the case's chain (the case row holds the head)."""

    __tablename__ = "audit_events"
    __table_args__ = (db.UniqueConstraint("case_id", "seq"),)
    HASHED = ("case_id", "seq", "action", "action_title", "actor_id", "actor_name", "role",
              "jurisdiction_code", "jurisdiction_name", "level", "from_state", "to_state",
              "decision", "opinion", "data")

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(db.ForeignKey("cases.id"), index=True)
    action: Mapped[str] = mapped_column(db.String(48))
    jurisdiction_code: Mapped[str] = mapped_column(db.String(12))
    jurisdiction_name: Mapped[str] = mapped_column(db.String(64))
    OPTIONAL = ("on_behalf_of_id", "on_behalf_of_name", "delegation_id")
    level: Mapped[str] = mapped_column(db.String(16))
    from_state: Mapped[str] = mapped_column(db.String(48))
    to_state: Mapped[str] = mapped_column(db.String(48))
    decision: Mapped[str] = mapped_column(db.String(16))
    opinion: Mapped[str] = mapped_column(db.Text, default="")
    # 代签 (授权代办): whom the actor signed for, under which delegation; NULL otherwise.
    on_behalf_of_id: Mapped[int | None] = mapped_column(db.ForeignKey("users.id"))
    on_behalf_of_name: Mapped[str | None] = mapped_column(db.String(64))
    # No foreign key: a city's delegation lies outside a county's archive of its cases.
    delegation_id: Mapped[int | None]

    @property
    def signed_as(self) -> str:
        """The signer as the trail and the sheet print them: 张三 or 张三（代李四）."""
        if self.on_behalf_of_name:
            return f"{self.actor_name}（代{self.on_behalf_of_name}）"
        return self.actor_name


class RegisterEvent(ChainedEvent, db.Model):
    """One change to the 建档立卡 register made outside a case (a household registered, a
    roster imported), on its village's own hash chain; the village row holds the head."""

    __tablename__ = "register_events"
    __table_args__ = (db.UniqueConstraint("village_id", "seq"),)
    HASHED = ("village_id", "jurisdiction_path", "seq", "action", "action_title",
              "actor_id", "actor_name", "role", "summary", "data")

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(db.ForeignKey("jurisdictions.id"))
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), index=True)
    action: Mapped[str] = mapped_column(db.String(32))
    summary: Mapped[str] = mapped_column(db.Text)

    village = relationship("Jurisdiction", lazy="joined")


class FundEvent(ChainedEvent, db.Model):
    """An allocation, disbursement (with its payment record) or a source's budget, on
    the fund source's own chain; the source row holds the head and is locked meanwhile."""

    __tablename__ = "fund_events"
    __table_args__ = (db.UniqueConstraint("source_id", "seq"),)
    HASHED = ("source_id", "jurisdiction_path", "seq", "action", "action_title",
              "actor_id", "actor_name", "role", "summary", "data")

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(db.ForeignKey("fund_sources.id"))
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), index=True)
    action: Mapped[str] = mapped_column(db.String(32))
    summary: Mapped[str] = mapped_column(db.Text)


class AdminEvent(ChainedEvent, db.Model):
    """One administrative change (a user created, a role granted, a place imported or
    merged, a setting set, ...), on the chain of the place it concerns; the chain's head
    is that place's ``admin_seq``/``admin_head`` (see audit/admin.py)."""

    __tablename__ = "admin_events"
    __table_args__ = (db.UniqueConstraint("place_id", "seq"),)
    HASHED = ("place_id", "jurisdiction_path", "seq", "action", "action_title",
              "actor_id", "actor_name", "role", "target", "summary", "data")

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(db.ForeignKey("jurisdictions.id"))
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), index=True)
    action: Mapped[str] = mapped_column(db.String(32))
    # What was changed, e.g. "user:12", "place:210323", "setting:poverty_line".
    target: Mapped[str] = mapped_column(db.String(96), index=True)
    summary: Mapped[str] = mapped_column(db.Text)

    place = relationship("Jurisdiction", lazy="joined")


def seal(values: dict[str, Any], hashed: tuple[str, ...],
         optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """Set ``values``' chain hash and its keyed seal (the one way events are hashed)."""
    from workflow.audit import keys

    values["hash"] = event_hash(values, hashed, optional)
    values["mac"] = keys.mac(values["hash"])
    return values


def event_hash(values: dict[str, Any], hashed: tuple[str, ...],
               optional: tuple[str, ...] = ()) -> str:
    """SHA-256 over the previous hash and an event's content, in a canonical form
    (``optional`` fields count only when set: NULL hashes as absent)."""
    body = {name: values[name] for name in hashed}
    body.update({name: values[name] for name in optional if values.get(name) is not None})
    body["at"] = values["at"].isoformat(timespec="microseconds")
    body["prev"] = values["prev_hash"]
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
