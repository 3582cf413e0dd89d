"""The archive file: one zip holding ``manifest.json``, ``tables/<table>.jsonl`` (one JSON
object per row) and, when asked for, ``files/<sha256>`` (the evidence files).

The manifest names every member with its SHA-256 and is signed with the sender's audit
key (HMAC-SHA256 over its canonical JSON, ``signature``), so a changed row, file or
count is refused at import.
"""
from __future__ import annotations

import hashlib
import json
import zipfile
from typing import IO, Any

from workflow.archive.tables import ArchiveError
from workflow.audit import keys

FORMAT = "workflow-county-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 16 << 20


def member(table: str) -> str:
    return f"tables/{table}.jsonl"


def file_member(sha256: str) -> str:
    return f"files/{sha256}"


def canonical(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sign(body: dict[str, Any], key: bytes | None = None) -> dict[str, Any]:
    """The manifest with its signature under ``key`` (default: this installation's)."""
    return {**body, "signature": keys.mac(canonical(body), key)}


def signature_holds(manifest: dict[str, Any], key: bytes | None = None) -> bool:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    expected = manifest.get("signature")
    return isinstance(expected, str) and keys.mac(canonical(body), key) == expected


class HashingWriter:
    """A zip member being written, counting and hashing its bytes."""

    def __init__(self, handle: IO[bytes]):
        self.handle, self.digest, self.size = handle, hashlib.sha256(), 0

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.size += len(data)

    def line(self, row: dict[str, Any]) -> None:
        self.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")


def open_archive(path: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ArchiveError(f"档案文件无法打开：{exc}") from exc


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    """The manifest, checked for shape (not yet for its signature)."""
    try:
        info = archive.getinfo(MANIFEST)
    except KeyError:
        raise ArchiveError("档案文件缺少 manifest.json：不是县级档案文件") from None
    if info.file_size > MAX_MANIFEST_BYTES:
        raise ArchiveError("manifest.json 过大：不是县级档案文件")
    try:
        manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, OSError) as exc:
        raise ArchiveError(f"manifest.json 无法读取：{exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError("manifest.json 不是县级档案清单")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArchiveError(f"档案格式版本 {manifest.get('format_version')!r} 不受支持"
                           f"（本系统读取第 {FORMAT_VERSION} 版）")
    for name, kind in (("members", dict), ("tables", dict), ("place", dict),
                       ("key_id", str), ("schema_revision", str)):
        if not isinstance(manifest.get(name), kind):
            raise ArchiveError(f"manifest.json 缺少或损坏：{name}")
    return manifest


def check_members(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    """Every member listed with its SHA-256 and nothing else in the file."""
    listed = manifest["members"]
    present = {i.filename for i in archive.infolist() if not i.is_dir()} - {MANIFEST}
    extra = sorted(present - set(listed))
    if extra:
        raise ArchiveError(f"档案中有清单未列出的文件：{'、'.join(extra[:5])}")
    for name, entry in sorted(listed.items()):
        if name not in present:
            raise ArchiveError(f"档案缺少清单列出的文件：{name}")
        digest = hashlib.sha256()
        try:
            with archive.open(name) as handle:
                for block in iter(lambda h=handle: h.read(1 << 20), b""):
                    digest.update(block)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ArchiveError(f"档案文件 {name} 无法读取：{exc}") from exc
        if not isinstance(entry, dict) or digest.hexdigest() != entry.get("sha256"):
            raise ArchiveError(f"档案文件 {name} 的 SHA-256 与清单不符：文件被修改")


def rows(archive: zipfile.ZipFile, table: str):
    """The rows of ``table``'s member, each a dict, with its line number."""
    with archive.open(member(table)) as handle:
        for number, line in enumerate(handle, start=1):
            try:
                row = json.loads(line.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                raise ArchiveError(f"{member(table)} 第 {number} 行无法读取：{exc}") from exc
            if not isinstance(row, dict):
                raise ArchiveError(f"{member(table)} 第 {number} 行不是一条记录")
            yield number, row
