"""An attachment row points at a file stored under its content hash, outside the web root."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Mapped, mapped_column

from workflow import clock
from workflow.extensions import db


class Attachment(db.Model):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(db.ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(db.String(32))
    # The name the uploader gave, cleaned; never used as a path.
    filename: Mapped[str] = mapped_column(db.String(120))
    content_type: Mapped[str] = mapped_column(db.String(32))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(db.String(64), index=True)
    state: Mapped[str] = mapped_column(db.String(48))  # the case's state at upload
    uploaded_by_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"))
    uploaded_by_name: Mapped[str] = mapped_column(db.String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    # A photo's capture (外业采集): when it was taken (naive UTC) and, when the helper
    # allowed it, where; both are in the trail event's data, so on the hash chain.
    captured_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    latitude: Mapped[float | None] = mapped_column(default=None)
    longitude: Mapped[float | None] = mapped_column(default=None)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


def kinds_present(case_id: int) -> set[str]:
    return set(db.session.execute(db.select(Attachment.kind).where(
        Attachment.case_id == case_id).distinct()).scalars())


def missing_evidence(case: Any, kinds: list[str], titles: dict[str, str]) -> list[str]:
    """A reason per required kind the case does not hold yet."""
    if not kinds:
        return []
    present = kinds_present(case.id)
    return [f"缺少证明材料“{titles.get(k, k)}”，请先上传" for k in kinds if k not in present]
