"""Taking in a county's archive: checked (signature, every member's SHA-256, the schema
revision), inserted with its ids and hashes kept (chains hash ids), in foreign-key
order, verified, recorded on the administration trail, all in one transaction.

Seals. Every event carries a mac, an HMAC of its hash under the sender's audit key. A
county handing on its records hands on that key too, like a seal: an installation that
holds the same key (WORKFLOW_AUDIT_KEY or the key file) imports the rows as they are and
``audit verify`` checks every seal. An installation with its own key refuses the archive
unless asked to ``reseal`` with the sender's key: then every imported seal and the
manifest are checked under the sender's key, every mac is recomputed under the
receiver's key, and the import event names the original key id. Either way the chains'
plain hashes and links are untouched, and the receiving verify must find no problem
before anything is committed.
"""
from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any

import sqlalchemy as sa

from workflow.archive import fileformat as ff
from workflow.archive.operations import file_sha256 as _file_sha256
from workflow.archive.operations import schema_revision
from workflow.archive.tables import USER_COLUMNS, ArchiveError, decode, primary_key, rule, tables
from workflow.audit import admin, keys
from workflow.audit.models import ChainedEvent
from workflow.cases import step_times
from workflow.evidence.operations import storage_path
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction

BATCH = 500


def chains() -> list[type]:
    """Every sealed chain's model (trail, register, funds, administration, and what other
    areas add, e.g. case comments): each imported seal is checked and re-sealed."""
    return [m for m in ChainedEvent.__subclasses__() if hasattr(m, "__table__")]


FRESH_ONLY = "档案只能导入到新建的空数据库（flask db upgrade 之后、其他操作之前）"


def read_key_file(path: str) -> bytes:
    """The sender's audit key from its key file (the same format as instance/audit_key)."""
    try:
        with open(path, encoding="utf-8") as handle:
            value = handle.read().strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ArchiveError(f"移交方密钥文件无法读取：{exc}") from exc
    if len(value) < keys.MIN_KEY_LENGTH:
        raise ArchiveError(f"移交方密钥文件中的密钥太短：至少 {keys.MIN_KEY_LENGTH} 个字符")
    return value.encode()


def import_archive(path: str, *, reseal: bool = False,
                   sender_key: bytes | None = None) -> dict[str, Any]:
    """Import the archive at ``path``; returns what was taken in. Nothing is kept when
    anything is wrong (ArchiveError, in Chinese)."""
    archive = ff.open_archive(path)
    created: list[str] = []
    try:
        with archive:
            manifest = ff.read_manifest(archive)
            key = _sender_key(manifest, reseal, sender_key)
            if not ff.signature_holds(manifest, key):
                raise ArchiveError("档案清单签名不符：档案被修改，或不是以该审计密钥封存")
            ff.check_members(archive, manifest)
            _check_revision(manifest)
            counts, ids = _insert_all(archive, manifest)
            step_times.rebuild(commit=False)  # not handed on: from the imported trail
            created = _store_files(archive, manifest)
            root = manifest["place"].get("path", "")
            if key is not None:
                _reseal(ids, key)
            _verify(root)
            place = db.session.execute(sa.select(Jurisdiction).where(
                Jurisdiction.path == root)).scalar_one()
            resealed = key is not None
            admin.record(place, "archive_imported", admin.cli_actor(),
                         f"导入{place.name}档案（{manifest.get('created_at', '')} 导出），"
                         f"农户 {counts.get('households', 0)} 户、案件 {counts.get('cases', 0)} 件"
                         + (f"；已由移交方密钥 {manifest['key_id']} 改以本系统密钥重新封存"
                            if resealed else "；沿用移交方审计密钥"),
                         {"place": place.code, "sha256": _file_sha256(path), "tables": counts,
                          "created_at": manifest.get("created_at"),
                          "sender_key_id": manifest["key_id"], "key_id": keys.key_id(),
                          "resealed": resealed}, target=f"place:{place.code}")
            missing = _files_missing(ids.get("attachments", []))
            db.session.commit()
    except Exception as exc:
        db.session.rollback()
        for name in created:
            storage_path(name).unlink(missing_ok=True)
        if isinstance(exc, sa.exc.IntegrityError):
            raise ArchiveError(f"导入失败，记录冲突：{FRESH_ONLY}（{exc.orig}）") from exc
        raise
    return {"place": manifest["place"], "tables": counts, "resealed": resealed,
            "sender_key_id": manifest["key_id"], "files": len(created),
            "missing_files": missing}


def _sender_key(manifest: dict[str, Any], reseal: bool, sender_key: bytes | None
                ) -> bytes | None:
    """None when this installation holds the sender's key; the sender's key to check
    and re-seal with otherwise (only when asked to)."""
    sender = manifest["key_id"]
    if sender == keys.key_id():
        return None
    if not reseal:
        raise ArchiveError(
            f"档案以移交方审计密钥（{sender}）封存，本系统的审计密钥为 {keys.key_id()}："
            "请以移交方的密钥运行本系统（WORKFLOW_AUDIT_KEY_FILE），或使用 --reseal "
            "--sender-key-file 移交方密钥文件 改以本系统密钥重新封存")
    if sender_key is None:
        raise ArchiveError("重新封存需要移交方的审计密钥：--sender-key-file")
    if keys.key_id(sender_key) != sender:
        raise ArchiveError(f"移交方密钥文件中的密钥（{keys.key_id(sender_key)}）不是封存"
                           f"档案的密钥（{sender}）")
    return sender_key


def _check_revision(manifest: dict[str, Any]) -> None:
    here = schema_revision(db.session.connection())
    if manifest["schema_revision"] != here:
        raise ArchiveError(f"档案的数据库版本（{manifest['schema_revision'] or '未知'}）与本系统"
                           f"（{here or '未知'}）不同：请将两边升级到同一版本后再导出、导入")


def _insert_all(archive, manifest: dict[str, Any]) -> tuple[dict[str, int], dict[str, list]]:
    """Every table's rows inserted in foreign-key order; (rows per table, ids per table)."""
    wanted = {t.name for t in tables() if rule(t).kind != "skip"}
    if set(manifest["tables"]) != wanted:
        raise ArchiveError("档案的数据表与本系统不符：" + "、".join(
            sorted(set(manifest["tables"]) ^ wanted)))
    counts: dict[str, int] = {}
    ids: dict[str, list] = {}
    for table in tables():
        if table.name not in wanted:
            continue
        if ff.member(table.name) not in manifest["members"]:
            raise ArchiveError(f"档案缺少数据表 {table.name}")
        counts[table.name], ids[table.name] = _insert_table(archive, table)
        if counts[table.name] != manifest["tables"][table.name]:
            raise ArchiveError(f"数据表 {table.name} 的记录数与清单不符")
    _fix_sequences()
    return counts, ids


def _insert_table(archive, table: sa.Table) -> tuple[int, list]:
    is_users = rule(table).kind == "users"
    expected = set(USER_COLUMNS) if is_users else {c.name for c in table.columns}
    own = [c.name for c in table.columns for fk in c.foreign_keys if fk.column.table is table]
    pk = primary_key(table)
    later: list[dict[str, Any]] = []  # references to rows of the same table, set afterwards
    batch: list[dict[str, Any]] = []
    count = 0
    ids: list = []
    for number, raw in ff.rows(archive, table.name):
        if set(raw) != expected:
            raise ArchiveError(f"{ff.member(table.name)} 第 {number} 行的字段与本系统不符")
        try:
            row = {name: decode(table.c[name], value) for name, value in raw.items()}
        except (ValueError, TypeError) as exc:
            raise ArchiveError(f"{ff.member(table.name)} 第 {number} 行的值无法读取：{exc}"
                               ) from exc
        if is_users:  # an account arrives closed: the receiver's admin opens it
            row.update(active=False, password_hash="!")  # noqa: S106 (never matches)
        if own and pk is not None:
            later.append({"_pk": row[pk.name], **{n: row[n] for n in own}})
            row.update({n: None for n in own})
        batch.append(row)
        if len(batch) >= BATCH:
            count += _write(table, batch, ids)
            batch = []
    count += _write(table, batch, ids)
    for values in later:
        row_id = values.pop("_pk")
        if any(v is not None for v in values.values()):
            db.session.execute(table.update().where(pk == row_id).values(**values))
    return count, ids


def _write(table: sa.Table, batch: list[dict[str, Any]], ids: list) -> int:
    """Insert a batch after checking nothing in it is already here."""
    if not batch:
        return 0
    fresh = _refuse_collisions(table, batch)
    if fresh:
        db.session.execute(table.insert(), fresh)
    pk = primary_key(table)
    if pk is not None:
        ids += [row[pk.name] for row in batch]
    return len(batch)


def _refuse_collisions(table: sa.Table, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows to insert; ArchiveError naming the first one already present. A procedure
    version (keyed by its content hash) already here is the same definition: skipped."""
    key = list(table.primary_key.columns)
    values = [tuple(row[c.name] for c in key) for row in batch]
    present = {tuple(row) for row in db.session.execute(sa.select(*key).where(
        sa.tuple_(*key).in_(values) if len(key) > 1 else key[0].in_([v[0] for v in values])
    ))} if key else set()
    if present and table.name == "procedure_versions":
        return [row for row, v in zip(batch, values, strict=True) if v not in present]
    if present:
        first = sorted(present, key=str)[0]
        raise ArchiveError(f"接收方已有 {table.name} 记录（{'、'.join(map(str, first))}）："
                           f"{FRESH_ONLY}")
    for column in _unique_columns(table):
        taken = db.session.execute(sa.select(column).where(
            column.in_([row[column.name] for row in batch if row[column.name] is not None])
        ).limit(1)).scalar_one_or_none()
        if taken is not None:
            raise ArchiveError(f"接收方已有 {table.name}.{column.name} 为「{taken}」的记录："
                               f"{FRESH_ONLY}")
    return batch


def _unique_columns(table: sa.Table) -> list[sa.Column]:
    single = [list(c.columns)[0] for c in table.constraints
              if isinstance(c, sa.UniqueConstraint) and len(c.columns) == 1]
    return [c for c in table.columns if c.unique or c in single]


def _fix_sequences() -> None:
    """PostgreSQL: each id sequence continues after the largest imported id."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return
    for table in tables():
        pk = primary_key(table)
        if pk is None or not isinstance(pk.type, sa.Integer):
            continue
        sequence = connection.execute(sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                                      {"t": table.name, "c": pk.name}).scalar()
        if sequence:
            connection.execute(sa.text(
                f"SELECT setval(:s, (SELECT MAX({pk.name}) FROM {table.name})) "  # noqa: S608
                f"WHERE EXISTS (SELECT 1 FROM {table.name})"), {"s": sequence})


def _store_files(archive, manifest: dict[str, Any]) -> list[str]:
    """Write the evidence files carried in the archive; the hashes of those written."""
    created = []
    for name in manifest["members"]:
        if not name.startswith("files/"):
            continue
        sha256 = name.removeprefix("files/")
        if len(sha256) != 64 or not all(ch in "0123456789abcdef" for ch in sha256):
            raise ArchiveError(f"档案文件名不正确：{name}")
        path = storage_path(sha256)
        if path.exists():
            continue
        data = archive.read(name)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ArchiveError(f"证明材料 {name} 的内容与其 SHA-256 不符")
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(data)
        os.replace(partial, path)
        created.append(sha256)
    return created


def _reseal(ids: dict[str, list], sender_key: bytes) -> None:
    """Check every imported seal under the sender's key, then seal under this one's."""
    for model in chains():
        table = model.__table__
        imported = ids.get(table.name, [])
        for start in range(0, len(imported), BATCH):
            chunk = imported[start:start + BATCH]
            rows = db.session.execute(sa.select(table.c.id, table.c.hash, table.c.mac)
                                      .where(table.c.id.in_(chunk))).all()
            for row_id, hashed, seal in rows:
                if seal is None or not hmac.compare_digest(keys.mac(hashed, sender_key), seal):
                    raise ArchiveError(f"{table.name} 记录 {row_id} 的密钥签名与移交方密钥不符："
                                       "记录被修改")
            if rows:
                db.session.execute(
                    table.update().where(table.c.id == sa.bindparam("_id"))
                    .values(mac=sa.bindparam("_mac")),
                    [{"_id": i, "_mac": keys.mac(h)} for i, h, _ in rows])


def _verify(root: str) -> None:
    """The receiving verify of the imported county must find nothing wrong."""
    from workflow.audit import chain, register

    problems = [*chain.verify([root])[1], *register.verify([root])[1],
                *admin.verify([root])[1]]
    if problems:
        shown = "；".join(str(p) for p in problems[:5])
        raise ArchiveError(f"导入后核验发现 {len(problems)} 处问题，未导入：{shown}")


def _files_missing(attachment_ids: list) -> int:
    """Imported attachments whose file is not in this installation's upload folder."""
    from workflow.evidence.models import Attachment

    hashes = set()
    for start in range(0, len(attachment_ids), BATCH):
        hashes |= set(db.session.execute(sa.select(Attachment.sha256).where(
            Attachment.id.in_(attachment_ids[start:start + BATCH]))).scalars())
    return sum(1 for h in hashes if not storage_path(h).is_file())

