"""Adding a comment (批注) to a case, reading a case's comments as a thread, and checking
every comment chain for `flask audit verify`.

A comment is appended to its case's own comment chain (models.py) under a lock on the
case's chain row, so two officials commenting at once queue instead of forking it; the
case row is not written (no state change, no version bump). Mentions are ``@username``
of users who may see the case; each mentioned user is notified in the same transaction.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select

from workflow import clock
from workflow.audit.chain import Problem, chain_problems
from workflow.audit.models import GENESIS, seal
from workflow.auth.models import ROLES, User
from workflow.cases.models import Case
from workflow.comments.models import MAX_BODY, CaseComment, CommentChain
from workflow.engine.errors import Conflict, Invalid
from workflow.engine.fields import parse_id
from workflow.extensions import db
from workflow.jurisdictions.scope import in_paths, paths_filter
from workflow.notifications.operations import notify

BODY = "批注内容"
PARENT = "回复的批注"
MENTION = re.compile(r"@([\w.\-]{1,64})")
NOT_SAVED = "批注未保存，请按提示修改"


def _bad_characters(text: str) -> bool:
    """Control characters other than line breaks and tabs, or lone surrogates."""
    return any((unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\r\t")
               or c in "\ufffe\uffff" for c in text)


def read_body(raw: Any) -> str:
    """The comment's text, or Invalid naming 批注内容 (empty, too long, bad characters)."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raw = None
    if not isinstance(raw, str) or _bad_characters(raw):
        raise Invalid(NOT_SAVED, {"body": [f"「{BODY}」含有无法识别的字符"]})
    body = raw.replace("\r\n", "\n").strip()
    if not body:
        raise Invalid(NOT_SAVED, {"body": [f"「{BODY}」不能为空"]})
    if len(body) > MAX_BODY:
        raise Invalid(NOT_SAVED, {"body": [f"「{BODY}」不能超过 {MAX_BODY} 个字（现有 "
                                           f"{len(body)} 个）"]})
    return body


def mentioned_users(case: Case, body: str) -> list[User]:
    """The users ``@named`` in ``body``; Invalid when one does not exist, is inactive or
    may not see the case (they could not read what they are pointed to)."""
    names = list(dict.fromkeys(MENTION.findall(body)))
    if not names:
        return []
    if len(names) > 20:
        raise Invalid(NOT_SAVED, {"body": [f"「{BODY}」一次最多提到 20 位用户"]})
    found = {u.username: u for u in db.session.execute(
        select(User).where(User.username.in_(names), User.active.is_(True))).unique().scalars()}
    refused = [n for n in names if n not in found
               or not in_paths(case.jurisdiction_path, found[n].scope_paths)]
    if refused:
        named = "、".join("@" + n for n in refused)
        raise Invalid(NOT_SAVED, {"body": [
            f"「{BODY}」中提到的用户 {named} 不存在或无权查看本案件"]})
    return [found[n] for n in names]


def add_comment(case: Case, actor: User, payload: Any) -> CaseComment:
    """Append the actor's comment (``body``, optional ``parent_id``) to the case's comment
    chain and notify whom it mentions; committed, or nothing written on any error. The
    caller has checked the case is in the actor's scope."""
    if not isinstance(payload, dict):
        raise Invalid(NOT_SAVED, {"body": [f"「{BODY}」不能为空"]})
    try:
        body = read_body(payload.get("body"))
        parent = _parent(case, payload.get("parent_id"))
        mentions = mentioned_users(case, body)
        comment = _append(case, actor, body, parent, mentions)
        for user in mentions:
            if user.id != actor.id:
                notify([user.id], "mention", f"comment:{comment.id}",
                       f"{actor.display_name}在批注中提到了您：{case.title}——{body[:60]}",
                       case_id=case.id, link=f"/cases/{case.id}#comment-{comment.id}")
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return comment


def _parent(case: Case, raw: Any) -> CaseComment | None:
    if raw in (None, ""):
        return None
    ident = parse_id(raw)
    parent = db.session.get(CaseComment, ident) if ident is not None else None
    if parent is None or parent.case_id != case.id:
        raise Invalid(NOT_SAVED, {"parent_id": [f"「{PARENT}」不存在或不属于本案件"]})
    return parent


def _append(case: Case, actor: User, body: str, parent: CaseComment | None,
            mentions: list[User]) -> CaseComment:
    chain = db.session.execute(
        select(CommentChain).where(CommentChain.case_id == case.id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one_or_none()
    if chain is None:
        chain = CommentChain(case_id=case.id, seq=0, head="")
        db.session.add(chain)
        try:
            db.session.flush()  # a concurrent first comment: one of the two retries
        except Exception as exc:
            raise Conflict("他人正在同时批注，请重新提交") from exc
    assignment = next(iter(actor.roles_over(case.village)), None) or next(
        iter(actor.assignments), None)
    values = {"case_id": case.id, "jurisdiction_path": case.jurisdiction_path,
              "seq": chain.seq + 1, "parent_id": parent.id if parent else None,
              "action_title": "回复批注" if parent else "批注", "actor_id": actor.id,
              "actor_name": actor.display_name, "role": assignment.role if assignment else "",
              "body": body, "data": {"mentions": [
                  {"id": u.id, "username": u.username, "name": u.display_name}
                  for u in mentions]},
              "at": clock.utcnow(), "prev_hash": chain.head or GENESIS}
    seal(values, CaseComment.HASHED)
    comment = CaseComment(**values)
    db.session.add(comment)
    chain.seq, chain.head = values["seq"], values["hash"]
    db.session.flush()
    return comment


@dataclass
class Thread:
    """A comment and its replies, in order; ``depth`` for the indentation."""

    comment: CaseComment
    depth: int = 0
    replies: list[Thread] = field(default_factory=list)


def comments_of(case: Case) -> list[CaseComment]:
    """The case's comments in chain order."""
    return list(db.session.execute(select(CaseComment).where(
        CaseComment.case_id == case.id).order_by(CaseComment.seq)).scalars())


def threaded(case: Case) -> list[tuple[CaseComment, int]]:
    """(comment, depth) in reading order: each top comment followed by its replies."""
    rows = comments_of(case)
    children: dict[int | None, list[CaseComment]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    out: list[tuple[CaseComment, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for row in children.get(parent_id, []):
            out.append((row, depth))
            walk(row.id, depth + 1)
    walk(None, 0)
    return out


def as_dict(row: CaseComment) -> dict[str, Any]:
    """What the page and the API show of a comment."""
    return {"id": row.id, "case_id": row.case_id, "seq": row.seq, "parent_id": row.parent_id,
            "author": row.actor_name, "role": row.role, "body": row.body,
            "mentions": [m["username"] for m in (row.data or {}).get("mentions", [])],
            "at": row.at.isoformat(timespec="seconds") + "Z", "hash": row.hash}


SHEET_HEADER = ("案件编号", "序号", "回复第几条", "时间", "批注人", "角色", "批注内容", "提到",
                "哈希")


def export_sheet(cases: list[Case]) -> tuple[str, tuple[str, ...], list[list]]:
    """The comments of ``cases`` for the auditors' Excel export (a sheet 批注)."""
    rows = db.session.execute(select(CaseComment).where(
        CaseComment.case_id.in_([c.id for c in cases]))
        .order_by(CaseComment.case_id, CaseComment.seq)).scalars().all()
    seq_of = {r.id: r.seq for r in rows}
    return "批注", SHEET_HEADER, [
        [r.case_id, r.seq, seq_of.get(r.parent_id, "") if r.parent_id else "",
         clock.to_local(r.at).strftime("%Y-%m-%d %H:%M:%S"), r.actor_name,
         ROLES.get(r.role, r.role), r.body,
         "、".join(m["username"] for m in (r.data or {}).get("mentions", [])), r.hash]
        for r in rows]


HEADS = "comments"  # the checkpoints' name for the comment chains


def head_rows() -> Select:
    """Every non-empty comment chain as (case id, length, head, path), for checkpoints."""
    return (select(CommentChain.case_id, CommentChain.seq, CommentChain.head,
                   Case.jurisdiction_path).join(Case, Case.id == CommentChain.case_id)
            .where(CommentChain.seq > 0).order_by(CommentChain.case_id))


def verify(scope_paths: list[str] | None = None,
           checkpoint: Any = None) -> tuple[int, list[Problem]]:
    """Check every case's comment chain (within ``scope_paths``): order, hashes, seals and
    the chain row's length and head, and against the external ``checkpoint`` (a tail
    deleted with the chain row set back, a rewritten history, a chain row gone); returns
    (comments checked, problems)."""
    chains = select(CommentChain, Case.jurisdiction_path).join(
        Case, Case.id == CommentChain.case_id)
    rows = select(CaseComment).order_by(CaseComment.case_id, CaseComment.id)
    if scope_paths is not None:
        chains = chains.where(paths_filter(Case.jurisdiction_path, scope_paths))
        rows = rows.where(paths_filter(CaseComment.jurisdiction_path, scope_paths))
    by_case: dict[int, list[CaseComment]] = {}
    for row in db.session.execute(rows.execution_options(populate_existing=True)).scalars():
        by_case.setdefault(row.case_id, []).append(row)
    problems: list[Problem] = []
    checked = 0
    anchored = checkpoint.owners(HEADS, scope_paths) if checkpoint else {}
    for chain, _path in db.session.execute(
            chains.execution_options(populate_existing=True)).all():
        events = by_case.pop(chain.case_id, [])
        checked += len(events)
        anchored.pop(chain.case_id, None)
        problems += chain_problems(f"案件 {chain.case_id} 批注", events, chain.head,
                                   chain.seq, "批注链",
                                   checkpoint.head(HEADS, chain.case_id) if checkpoint else None)
    problems += [Problem(f"案件 {case_id} 批注", None, f"批注链记录缺失：检查点记有其 {n} 条"
                         "批注，批注链被删除") for case_id, n in anchored.items()
                 if case_id not in by_case]
    for case_id, events in by_case.items():  # comments whose chain row is gone
        checked += len(events)
        problems.append(Problem(f"案件 {case_id} 批注", None, "批注链记录缺失，但存在批注"))
    return checked, problems
