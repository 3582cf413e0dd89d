"""Attaching evidence to a case: checked, stored by content hash, chained into the trail."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flask import current_app

from workflow.auth.models import READ_ONLY_ROLES, RoleAssignment, User
from workflow.cases.models import Case
from workflow.cases.operations import append_event
from workflow.engine import store
from workflow.engine.errors import Conflict, Forbidden, Invalid, NotFound
from workflow.evidence.capture import Capture
from workflow.evidence.checks import check_upload
from workflow.evidence.models import Attachment
from workflow.extensions import db


def uploader(case: Case, actor: User) -> RoleAssignment:
    """The actor's assignment that may add evidence to the case (NotFound, Forbidden)."""
    if not any(a.jurisdiction.contains(case.village) for a in actor.assignments):
        raise NotFound("案件不存在或不在您的管辖范围内")
    writers = [a for a in actor.roles_over(case.village)
               if a.role not in READ_ONLY_ROLES and a.role != "admin"]
    if not writers:
        raise Forbidden("您的角色只能查阅，不能上传证明材料")
    return writers[0]


def storage_path(sha256: str) -> Path:
    """Where the bytes of ``sha256`` live: UPLOAD_FOLDER/ab/abcdef..."""
    return Path(current_app.config["UPLOAD_FOLDER"]) / sha256[:2] / sha256


def _store(data: bytes, sha256: str) -> bool:
    """Write the bytes under their hash; True when this call created the file."""
    path = storage_path(sha256)
    if path.exists():
        return False  # same content, same name: stored once
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.part")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)  # atomic: a reader never sees half a file
    finally:
        tmp.unlink(missing_ok=True)
    return True


def _unstore(sha256: str) -> None:
    """Remove a file this request created when its row was not committed, unless a
    committed attachment (a concurrent upload of the same bytes) now points to it."""
    referenced = db.session.execute(db.select(Attachment.id).where(
        Attachment.sha256 == sha256).limit(1)).first()
    if referenced is None:
        storage_path(sha256).unlink(missing_ok=True)


def attach(case: Case, kind: str, data: bytes, filename: str | None,
           declared_type: str | None, actor: User, *, version: int | None = None,
           capture: Capture | None = None) -> Attachment:
    """Check and store one file of ``kind`` for ``case``; the trail records its hash
    (and a photo's capture time and place, when given)."""
    capture = capture or Capture()
    definition = store.by_version(case.definition_version)
    assignment = uploader(case, actor)
    if definition.is_final(case.state):
        raise Invalid("案件已办结，不能再上传证明材料", {"kind": ["案件已办结"]})
    kinds = definition.evidence_kinds
    if kind not in kinds:
        offered = "、".join(kinds.values()) or "无"
        raise Invalid("证明材料种类不正确", {"kind": [f"「材料种类」必须是：{offered}"]})
    checked = check_upload(data, filename, declared_type,
                           current_app.config["UPLOAD_MAX_BYTES"])
    if version is not None and version != case.version:
        raise Conflict("案件已被他人处理（版本已变化），请刷新后重试")  # before the disk
    sha256 = hashlib.sha256(data).hexdigest()
    created = _store(data, sha256)
    attachment = Attachment(case_id=case.id, kind=kind, filename=checked.filename,
                            content_type=checked.content_type, size=len(data),
                            sha256=sha256, state=case.state, uploaded_by_id=actor.id,
                            uploaded_by_name=actor.display_name, captured_at=capture.at,
                            latitude=capture.latitude, longitude=capture.longitude)
    try:
        db.session.add(attachment)
        append_event(case, actor, assignment, action="attach",
                     action_title=f"上传证明材料：{kinds[kind]}",
                     data={"kind": kind, "filename": checked.filename, "sha256": sha256,
                           "size": len(data), **capture.as_data()}, version=version)
    except Exception:
        db.session.rollback()
        if created:  # a refused upload leaves no file behind
            _unstore(sha256)
        raise
    return attachment


def attachments_of(case_id: int) -> list[Attachment]:
    return db.session.execute(db.select(Attachment).where(Attachment.case_id == case_id)
                              .order_by(Attachment.id)).scalars().all()
