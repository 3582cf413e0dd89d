"""Where definitions live at run time: the checked catalog, and past versions by hash."""
from __future__ import annotations

from flask import current_app

from workflow.cases.models import ProcedureVersion
from workflow.engine.definitions import Catalog, Definition, build
from workflow.engine.errors import NotFound
from workflow.extensions import db

# Versions are content hashes, so a cached Definition can never go stale.
_BY_VERSION: dict[str, Definition] = {}


def catalog() -> Catalog:
    return current_app.extensions["workflow.catalog"]


def current(key: str) -> Definition:
    """The definition a new case of ``key`` starts on."""
    definition = catalog().procedures.get(key)
    if definition is None:
        raise NotFound(f"没有名为 {key} 的流程")
    return definition


def ensure_stored(definition: Definition) -> None:
    """Keep the snapshot a new case starts on (in the caller's transaction)."""
    known = db.session.execute(db.select(ProcedureVersion.version).where(
        ProcedureVersion.version == definition.version)).first()
    if known is None:
        db.session.add(ProcedureVersion(version=definition.version, key=definition.key,
                                        body=definition.body))
        db.session.flush()
    _BY_VERSION[definition.version] = definition


def by_version(version: str) -> Definition:
    """The definition a running case was started on."""
    definition = _BY_VERSION.get(version)
    if definition is None:
        row = db.session.get(ProcedureVersion, version)
        if row is None:
            raise NotFound(f"流程版本 {version} 不存在")
        definition = _BY_VERSION[version] = build(row.body, version)
    return definition
