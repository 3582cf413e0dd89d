"""Places with their official codes, stored with a materialized path for subtree queries."""
from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column, relationship

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

    parent: Mapped[Jurisdiction | None] = relationship(remote_side=[id])

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
    def full_name(self) -> str:
        names = []
        node: Jurisdiction | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))

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


def add_place(code: str, name: str, level: str, parent: Jurisdiction | None = None) -> Jurisdiction:
    """Create a place under ``parent`` (not committed)."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level}")
    path = (parent.path if parent else "/") + code + "/"
    place = Jurisdiction(code=code, name=name, level=level, parent=parent, path=path)
    db.session.add(place)
    return place
