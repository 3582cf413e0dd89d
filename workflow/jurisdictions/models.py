"""Places with their official codes, stored with a materialized path for subtree queries."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow import generations
from workflow.engine.registry import subject
from workflow.extensions import db

LEVELS = ("city", "county", "township", "village")
LEVEL_TITLES = {"city": "市", "county": "县", "township": "乡镇", "village": "村"}


@subject("village")
class Jurisdiction(db.Model):
    """One place. ``path`` is the codes from the city down, e.g. ``/210300/210323/``."""

    __tablename__ = "jurisdictions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(db.String(12), unique=True)
    name: Mapped[str] = mapped_column(db.String(64))
    level: Mapped[str] = mapped_column(db.String(16))
    parent_id: Mapped[int | None] = mapped_column(db.ForeignKey("jurisdictions.id"))
    path: Mapped[str] = mapped_column(db.String(128), index=True)
    # Head of a village's register chain (audit.register): its length and latest hash.
    register_seq: Mapped[int] = mapped_column(default=0, server_default="0")
    register_head: Mapped[str | None] = mapped_column(db.String(64))
    # Head of the place's administration chain (audit.admin): users, places, settings.
    admin_seq: Mapped[int] = mapped_column(default=0, server_default="0")
    admin_head: Mapped[str | None] = mapped_column(db.String(64))
    # 撤并: merged into (or abolished in favour of) ``merged_into`` on ``merged_on`` by the
    # document ``merge_document``; its cases and register stay on its own path and are
    # found under the successor (scope.with_predecessors).
    merged_into_id: Mapped[int | None] = mapped_column(db.ForeignKey("jurisdictions.id"))
    merged_on: Mapped[dt.date | None] = mapped_column(db.Date)
    merge_document: Mapped[str | None] = mapped_column(db.String(64))

    parent: Mapped[Jurisdiction | None] = relationship(remote_side=[id],
                                                       foreign_keys=[parent_id])
    merged_into: Mapped[Jurisdiction | None] = relationship(remote_side=[id],
                                                            foreign_keys=[merged_into_id])

    def contains(self, other: Jurisdiction) -> bool:
        """True when ``other`` is this place or lies under it."""
        return other.path.startswith(self.path)

    def ancestor(self, level: str) -> Jurisdiction | None:
        """The place at ``level`` above (or equal to) this one."""
        node: Jurisdiction | None = self
        while node is not None and node.level != level:
            node = node.parent
        return node

    @property
    def merger_note(self) -> str:
        """「已撤并，并入 X（日期，文号）」, or "" for a place in use."""
        if self.merged_into is None:
            return ""
        document = f"，{self.merge_document}" if self.merge_document else ""
        return f"已撤并，并入 {self.merged_into.name}（{self.merged_on}{document}）"

    @property
    def listed_name(self) -> str:
        """The name as lists show it: with the merger note for a merged place."""
        return f"{self.name}（{self.merger_note}）" if self.merged_into_id else self.name

    def closed_by_merger(self) -> Jurisdiction | None:
        """This place or the first place above it that was merged away, else None."""
        node: Jurisdiction | None = self
        while node is not None and node.merged_into_id is None:
            node = node.parent
        return node

    @property
    def full_name(self) -> str:
        """The names from the top place down (鞍山市岫岩满族自治县偏岭镇大房身村), kept per
        process under the places generation: a rename anywhere renews it (at its flush;
        a place changed and not yet flushed is named afresh)."""
        if self.id is None or inspect(self).modified:
            return self._full_name()
        return generations.cached(generations.PLACES, ("full_name", self.id), self._full_name)

    def _full_name(self) -> str:
        held = self.load_ancestors()  # noqa: F841 - kept while the walk reads them
        names = []
        node: Jurisdiction | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))

    def load_ancestors(self) -> list[Jurisdiction]:
        """The places above this one in one query (their codes are in the path), so a walk
        up the parents reads the session instead of querying level by level; nothing when
        the parent is loaded already. The caller holds the list while it walks."""
        state = inspect(self)
        if "parent" not in state.unloaded or state.session is None or not self.parent_id:
            return []
        codes = [c for c in self.path.strip("/").split("/") if c and c != self.code]
        return list(state.session.execute(
            select(Jurisdiction).where(Jurisdiction.code.in_(codes))).scalars()) if codes else []

    # A village is the subject of its own exit case (village_exit); what a case reads:
    @property
    def village(self) -> Jurisdiction:
        return self

    @property
    def village_id(self) -> int:
        return self.id

    @property
    def jurisdiction_path(self) -> str:
        return self.path

    @property
    def head_name(self) -> str:
        return self.name

    @property
    def masked_id(self) -> str:
        return self.code

    @classmethod
    def prefetch(cls) -> tuple:
        return ()

    def __repr__(self) -> str:
        return f"<Jurisdiction {self.code} {self.name}>"


def closed_refusal(place: Jurisdiction) -> str | None:
    """Why nothing new may be registered or opened in ``place`` (it or a place above it
    was merged away), naming the successor; None for a place in use."""
    closed = place.closed_by_merger()
    if closed is None:
        return None
    return (f"「{closed.name}」{closed.merger_note}，不能再登记农户或发起案件；"
            f"请在「{closed.merged_into.name}」办理")


def add_place(code: str, name: str, level: str, parent: Jurisdiction | None = None) -> Jurisdiction:
    """Create a place under ``parent`` (not committed)."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level}")
    path = (parent.path if parent else "/") + code + "/"
    place = Jurisdiction(code=code, name=name, level=level, parent=parent, path=path)
    db.session.add(place)
    return place


class VillagePopulation(db.Model):
    """A village's rural population (农业户籍人口) in a year: the denominator of the
    poverty incidence, with where the figure comes from. A later record for the same
    year supersedes the earlier (both stay; the administration trail shows each)."""

    __tablename__ = "village_populations"

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(db.ForeignKey("jurisdictions.id"), index=True)
    year: Mapped[int]
    people: Mapped[int]
    source: Mapped[str] = mapped_column(db.String(64))
    document: Mapped[str | None] = mapped_column(db.String(64))
    # The uploaded evidence (content-checked like case evidence), stored by digest.
    evidence_sha256: Mapped[str | None] = mapped_column(db.String(64))
    evidence_filename: Mapped[str | None] = mapped_column(db.String(128))
    evidence_mime: Mapped[str | None] = mapped_column(db.String(64))
    recorded_by_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime]

    place: Mapped[Jurisdiction] = relationship()


def recorded_population(place_id: int, year: int) -> VillagePopulation | None:
    """The latest population recorded for the village and year, else None."""
    return db.session.execute(
        db.select(VillagePopulation).where(VillagePopulation.place_id == place_id,
                                           VillagePopulation.year == year)
        .order_by(VillagePopulation.id.desc()).limit(1)).scalar_one_or_none()
