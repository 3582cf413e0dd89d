"""Exporting a county's archive: every row of its subtree read in one snapshot, written
as a signed zip (fileformat.py), and the export recorded on the administration trail.

The archive holds full personal data (ID numbers, phones, bank accounts), so only an
``admin`` over the county may make one, and the event says it is an export of personal
data. Rows are read through their own connection in one transaction (REPEATABLE READ on
PostgreSQL, a read transaction on SQLite), so a sign-off landing meanwhile cannot leave
a case's counters ahead of its exported trail. A row that names a row outside the
archive stops the export: the receiver could not take it in whole.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import zipfile
from typing import Any

import sqlalchemy as sa

from workflow import clock
from workflow.archive import fileformat as ff
from workflow.archive.tables import (
    ANCESTOR_RESET,
    EVIDENCE,
    USER_COLUMNS,
    ArchiveError,
    encode,
    rule,
    scope,
    tables,
)
from workflow.audit import admin, keys
from workflow.auth.models import User
from workflow.engine.errors import Forbidden, Invalid, NotFound
from workflow.evidence.operations import storage_path
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction

admin.actions({"archive_exported": "导出县级档案（含个人信息）",
               "archive_imported": "导入县级档案"})
PERSONAL_FIELDS = ["身份证号", "联系电话", "银行账号"]


def exportable_places(user: User) -> list[Jurisdiction]:
    """The counties the user administers (an admin over a city: the city's counties)."""
    paths = [a.jurisdiction.path for a in user.assignments if a.role == "admin"]
    if not paths:
        return []
    return db.session.execute(
        sa.select(Jurisdiction).where(Jurisdiction.level == "county",
                                      sa.or_(*[Jurisdiction.path.startswith(p)
                                               for p in paths]))
        .order_by(Jurisdiction.path)).scalars().all()


def place_for(code: Any, user: User) -> Jurisdiction:
    """The county ``code`` if the user may export it; refused (Chinese) otherwise."""
    if not any(a.role == "admin" for a in user.assignments):
        raise Forbidden("只有系统管理员可以导出县级档案（档案含个人信息）")
    code = code.strip() if isinstance(code, str) else ""
    place = next((p for p in exportable_places(user) if p.code == code), None)
    if place is None:
        raise NotFound("「县」不存在或不在您管理的范围内", {"place": [
            "「县」不存在或不在您管理的范围内"]})
    return place


def schema_revision(connection: sa.Connection) -> str:
    """The Alembic revision the database is at ("" when it was not built by migrations)."""
    try:
        return connection.execute(sa.text("SELECT version_num FROM alembic_version")
                                  ).scalar_one_or_none() or ""
    except sa.exc.DBAPIError:
        return ""


@contextlib.contextmanager
def _snapshot():
    """A connection whose reads all see one moment of the database."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ")
        elif connection.dialect.name == "sqlite":
            # pysqlite (legacy transaction control) would not begin for a SELECT; a
            # driver that already began needs nothing more.
            with contextlib.suppress(sa.exc.OperationalError):
                connection.exec_driver_sql("BEGIN")
        try:
            yield connection
        finally:
            connection.rollback()


def _ancestors(place: Jurisdiction) -> list[Jurisdiction]:
    found, node = [], place.parent
    while node is not None:
        found.append(node)
        node = node.parent
    return found


def write_archive(place: Jurisdiction, target: str, with_files: bool = False) -> dict[str, Any]:
    """Write ``place``'s archive to the file ``target``; returns what the manifest says
    (plus ``sha256`` of the whole file). Nothing is written to the database."""
    if place.level != "county":
        raise Invalid("只能导出县级档案", {"place": ["「县」必须是县级地区"]})
    ancestors = [p.path for p in _ancestors(place)]
    referenced = {(fk.column.table.name, fk.column.name) for t in tables()
                  for c in t.columns for fk in c.foreign_keys}
    exported: dict[tuple[str, str], set] = {key: set() for key in referenced}
    references: list[tuple[str, str, tuple[str, str], set]] = []
    counts: dict[str, int] = {}
    skipped: dict[str, str] = {}
    members: dict[str, dict[str, Any]] = {}
    evidence: set[str] = set()
    with _snapshot() as connection, zipfile.ZipFile(
            target, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        revision = schema_revision(connection)
        for table in tables():
            r = rule(table)
            if r.kind == "skip":
                skipped[table.name] = r.reason
                continue
            columns = ([table.c[n] for n in USER_COLUMNS] if r.kind == "users"
                       else list(table.columns))
            keep = [(c.name, (fk.column.table.name, fk.column.name), set())
                    for c in columns for fk in c.foreign_keys]
            query = (sa.select(*columns).where(scope(table, place.path, ancestors))
                     .order_by(*table.primary_key.columns).execution_options(yield_per=1000))
            targets = [(c, seen) for (t, c), seen in exported.items() if t == table.name]
            name = ff.member(table.name)
            count = 0
            with archive.open(name, "w", force_zip64=True) as handle:
                out = ff.HashingWriter(handle)
                for row in connection.execute(query).mappings():
                    values = dict(row)
                    if table.name == "jurisdictions" and values["path"] in ancestors:
                        values.update(ANCESTOR_RESET)
                    for column_name, seen in targets:
                        seen.add(values[column_name])
                    for column_name, _, found in keep:
                        if values[column_name] is not None:
                            found.add(values[column_name])
                    if values.get(EVIDENCE.get(table.name, "")):
                        evidence.add(values[EVIDENCE[table.name]])
                    out.line({k: encode(v) for k, v in values.items()})
                    count += 1
            counts[table.name] = count
            members[name] = {"sha256": out.digest.hexdigest(), "bytes": out.size,
                             "rows": count}
            references += [(table.name, c, target_column, found)
                           for c, target_column, found in keep]
        _check_closed(references, exported)
        missing = _add_files(archive, sorted(evidence), members) if with_files else []
        manifest = ff.sign({
            "format": ff.FORMAT, "format_version": ff.FORMAT_VERSION,
            "schema_revision": revision,
            "created_at": clock.utcnow().isoformat(timespec="seconds") + "Z",
            "dated": clock.today().isoformat(),
            "place": _place_json(place), "ancestors": [_place_json(p) for p in _ancestors(place)],
            "tables": counts, "skipped": skipped, "members": members,
            "key_id": keys.key_id(), "with_files": with_files,
            "evidence_files": len(evidence), "missing_files": missing,
        })
        archive.writestr(ff.MANIFEST, ff.canonical(manifest))
    return {**manifest, "sha256": file_sha256(target)}


def _place_json(place: Jurisdiction) -> dict[str, str]:
    return {"code": place.code, "name": place.name, "level": place.level, "path": place.path}


def _check_closed(references, exported) -> None:
    """Refuse an archive whose rows name rows it does not hold."""
    for table, column, target, found in references:
        outside = found - exported[target]
        if outside:
            shown = "、".join(str(v) for v in sorted(outside, key=str)[:5])
            raise ArchiveError(f"{table}.{column} 引用了不在本县档案内的 {target[0]} 记录"
                               f"（{shown}）：档案无法完整移交")


def _add_files(archive: zipfile.ZipFile, hashes: list[str],
               members: dict[str, dict[str, Any]]) -> list[str]:
    """Copy each evidence file in; returns the hashes whose file is missing or damaged."""
    missing = []
    for sha256 in hashes:
        path = storage_path(sha256)
        if not path.is_file():
            missing.append(sha256)
            continue
        name = ff.file_member(sha256)
        with archive.open(name, "w", force_zip64=True) as handle, open(path, "rb") as source:
            out = ff.HashingWriter(handle)
            for block in iter(lambda s=source: s.read(1 << 20), b""):
                out.write(block)
        if out.digest.hexdigest() != sha256:
            # A damaged file must not travel under its name; the manifest lists it.
            missing.append(sha256)
        members[name] = {"sha256": out.digest.hexdigest(), "bytes": out.size}
    return missing


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def default_name(place: Jurisdiction) -> str:
    """A dated file name: archive-210323-20260412.zip."""
    return f"archive-{place.code}-{clock.today():%Y%m%d}.zip"


def export(place: Jurisdiction, out: str, actor: User, with_files: bool = False
           ) -> dict[str, Any]:
    """Write the archive to ``out`` and record the export (place, counts, the file's
    SHA-256, personal data) on ``place``'s administration trail. The file appears at
    ``out`` only once the event is committed."""
    folder = os.path.dirname(os.path.abspath(out))
    fd, partial = tempfile.mkstemp(prefix=".archive-", suffix=".part", dir=folder)
    os.close(fd)
    try:
        result = write_archive(place, partial, with_files)
        counts = result["tables"]
        admin.record(place, "archive_exported", actor,
                     f"导出{place.name}档案（含个人信息：{'、'.join(PERSONAL_FIELDS)}）："
                     f"农户 {counts.get('households', 0)} 户、案件 {counts.get('cases', 0)} 件、"
                     f"用户 {counts.get('users', 0)} 个，SHA-256 {result['sha256'][:16]}…",
                     {"place": place.code, "sha256": result["sha256"], "tables": counts,
                      "with_files": with_files, "personal_data": True,
                      "personal_fields": PERSONAL_FIELDS, "key_id": result["key_id"],
                      "schema_revision": result["schema_revision"]},
                     target=f"place:{place.code}")
        db.session.commit()
    except Exception:
        db.session.rollback()
        os.unlink(partial)
        raise
    os.replace(partial, out)
    return result
