"""Signed checkpoints of every chain head, kept outside the database.

The keyed seals (keys.py) stop an insider from rewriting history, but not from cutting
it: deleting a chain's last events (or a whole case with its trail) and setting the head
back leaves a chain whose every remaining seal is genuine. ``flask audit checkpoint``
therefore writes, after a clean verify, the length and head of every chain (cases,
villages' register chains, fund sources' chains, places' administration chains, and the
chains other areas register with ``register_heads``, e.g. a case's comments) as one
HMAC-signed JSON line appended to checkpoints.jsonl in WORKFLOW_AUDIT_ANCHOR_FOLDER
(default instance/anchors), which the
database's users cannot write. ``audit verify`` compares each chain with the latest good
checkpoint: a chain shorter than it was (deleted tail), an event at the checkpointed
position with another hash (rewritten history), or a checkpointed owner gone is reported.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import Select, select

from workflow import clock
from workflow.audit import keys
from workflow.cases.models import Case
from workflow.extensions import db
from workflow.funds.models import FundSource
from workflow.jurisdictions.models import Jurisdiction

FILE_NAME = "checkpoints.jsonl"
KINDS = ["cases", "villages", "funds", "admin"]  # and the kinds areas register
# Further kinds of chain: kind -> a function giving the SELECT of (owner id, length, head,
# path) of every non-empty chain of that kind, ordered by owner id.
HEAD_QUERIES: dict[str, Callable[[], Select]] = {}


def register_heads(kind: str, query: Callable[[], Select]) -> None:
    """Have checkpoints keep every chain of ``kind`` (see HEAD_QUERIES)."""
    HEAD_QUERIES[kind] = query
    if kind not in KINDS:
        KINDS.append(kind)


@dataclass
class Checkpoint:
    """The latest good checkpoint: per kind, owner id -> (length, head, path); and what
    was wrong with the file, if anything (reported by verify)."""

    at: str = ""
    heads: dict[str, dict[int, tuple[int, str, str]]] = field(
        default_factory=lambda: {kind: {} for kind in KINDS})
    problems: list[str] = field(default_factory=list)

    def head(self, kind: str, owner_id: int) -> tuple[int, str] | None:
        entry = self.heads.get(kind, {}).get(owner_id)
        return (entry[0], entry[1]) if entry else None

    def owners(self, kind: str, scope_paths: list[str] | None) -> dict[int, int]:
        """Checkpointed owners of ``kind`` within ``scope_paths``: id -> length."""
        return {i: n for i, (n, _, path) in self.heads.get(kind, {}).items()
                if scope_paths is None or any(path.startswith(p) for p in scope_paths)}


def folder() -> str:
    return (current_app.config.get("AUDIT_ANCHOR_FOLDER")
            or os.path.join(current_app.instance_path, "anchors"))


def current_heads() -> dict[str, list[list]]:
    """Every non-empty chain's [owner id, length, head, path], by kind."""
    queries = {
        "cases": select(Case.id, Case.event_count, Case.trail_head, Case.jurisdiction_path)
        .where(Case.event_count > 0).order_by(Case.id),
        "villages": select(Jurisdiction.id, Jurisdiction.register_seq,
                           Jurisdiction.register_head, Jurisdiction.path)
        .where(Jurisdiction.register_seq > 0).order_by(Jurisdiction.id),
        "funds": select(FundSource.id, FundSource.trail_seq, FundSource.trail_head,
                        FundSource.jurisdiction_path)
        .where(FundSource.trail_seq > 0).order_by(FundSource.id),
        "admin": select(Jurisdiction.id, Jurisdiction.admin_seq, Jurisdiction.admin_head,
                        Jurisdiction.path)
        .where(Jurisdiction.admin_seq > 0).order_by(Jurisdiction.id),
        **{kind: query() for kind, query in HEAD_QUERIES.items()},
    }
    return {kind: [list(row) for row in db.session.execute(query).all()]
            for kind, query in queries.items()}


def _canonical(body: dict) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def write() -> tuple[str, dict[str, int]]:
    """Append a signed checkpoint of every chain head; returns (file, chains per kind).
    The caller verifies first: a checkpoint must never bless a tampered chain."""
    body = {"at": clock.utcnow().isoformat(timespec="seconds"), "key_id": keys.key_id(),
            "heads": current_heads()}
    line = json.dumps({"body": body, "mac": keys.mac(_canonical(body))}, ensure_ascii=False,
                      separators=(",", ":"))
    os.makedirs(folder(), exist_ok=True)
    path = os.path.join(folder(), FILE_NAME)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return path, {kind: len(rows) for kind, rows in body["heads"].items()}


def latest() -> Checkpoint | None:
    """The last checkpoint whose signature holds (None when none was ever written)."""
    path = os.path.join(folder(), FILE_NAME)
    if not os.path.exists(path):
        return None
    checkpoint = Checkpoint()
    for back, line in enumerate(_lines_from_end(path), start=1):
        where = f"检查点文件倒数第 {back} 行"
        try:
            record = json.loads(line)
            body, signature = record["body"], record["mac"]
        except (ValueError, KeyError, TypeError):
            checkpoint.problems.append(f"{where}无法读取：文件被修改或写入中断")
            continue
        if body.get("key_id") != keys.key_id():
            checkpoint.problems.append(f"{where}以另一审计密钥签名：密钥已更换或检查点被替换")
            continue
        if not keys.matches(_canonical(body), signature):
            checkpoint.problems.append(f"{where}签名不符：检查点被修改")
            continue
        checkpoint.at = body["at"]
        checkpoint.heads = {kind: {row[0]: (row[1], row[2], row[3])
                                   for row in body["heads"].get(kind, [])} for kind in KINDS}
        return checkpoint
    return checkpoint


def _lines_from_end(path: str, block: int = 1 << 20):
    """The file's non-empty lines, last first, reading only as much as needed (the file
    grows by one line per checkpoint; verify needs the last good one)."""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        end = handle.tell()
        tail = b""
        while end > 0:
            start = max(0, end - block)
            handle.seek(start)
            tail = handle.read(end - start) + tail
            end = start
            parts = tail.split(b"\n")
            tail = parts[0]  # maybe incomplete: wait for the block before it
            for part in reversed(parts[1:]):
                if part.strip():
                    yield part.decode("utf-8", errors="replace")
        if tail.strip():
            yield tail.decode("utf-8", errors="replace")
