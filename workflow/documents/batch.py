"""The ``batch_print`` job: many cases' documents as one PDF, made by a jobs worker.

The worker process renders itself (no pool of render processes: a busy installation runs
more workers). Sheets and covers are laid out CHUNK at a time into part files in a
temporary folder, with progress and a cancellation check between chunks; notices and
announcements are grouped into documents first. The merged PDF becomes the job's file.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from flask import current_app

from workflow.cases.models import Case
from workflow.documents import public, render
from workflow.documents.jobs import KINDS, case_ids, chunked, merge, render_chunk
from workflow.engine.errors import Invalid
from workflow.extensions import db
from workflow.jobs.registry import JobError, job_kind


def validate(params: dict, user) -> dict:
    """The kind is known and the filters choose 1..DOCUMENTS_BATCH_MAX cases."""
    if params.get("kind") not in KINDS:
        raise Invalid("请选择要打印的文书", {"kind": ["请选择审批表、档案封面、公示或公告"]})
    count = len(case_ids(user, params))
    limit = int(current_app.config.get("DOCUMENTS_BATCH_MAX", 2000))
    if count == 0:
        raise Invalid("没有符合条件的案件", {"_filters": ["没有符合条件的案件，请调整筛选条件"]})
    if count > limit:
        raise Invalid("案件过多", {"_filters": [f"符合条件的案件有 {count} 件，一次最多打印 "
                                             f"{limit} 件，请缩小范围（如按乡镇或日期）"]})
    return {**params, "_total": count}


@job_kind("batch_print", title="批量打印", validate=validate)
def batch_print(ctx) -> None:
    """Lay the chosen cases' documents out and keep them as one PDF."""
    kind, base_url = ctx.params["kind"], ctx.params["base_url"]
    ids = case_ids(ctx.user, ctx.params)
    ctx.progress(0, len(ids), "正在生成")
    with tempfile.TemporaryDirectory(prefix="wf-batch-") as folder:
        target = Path(folder) / "batch.pdf"
        if kind in ("sheet", "cover"):
            parts, done = [], 0
            for n, chunk in enumerate(chunked(ids)):
                ctx.check_cancelled()
                part = Path(folder) / f"{n:04d}.pdf"
                render_chunk(kind, chunk, base_url, str(part))
                db.session.expunge_all()  # keep the session small on long batches
                parts.append(part)
                done += len(chunk)
                ctx.progress(done)
        else:
            parts = _public(ctx, kind, ids, base_url, Path(folder))
        if not parts:
            raise JobError("所选案件没有可打印的" + KINDS[kind])
        ctx.progress(len(ids), message="正在合并为一个文件")
        merge(parts, target)
        ctx.save_file(f"批量{KINDS[kind]}.pdf", target.read_bytes(), "application/pdf")


def _public(ctx, kind: str, ids: list[int], base_url: str, folder: Path) -> list[Path]:
    """Notices or announcements: the cases grouped into documents."""
    cases = [db.session.get(Case, i) for i in ids]
    docs = (public.notice_docs if kind == "notice" else public.announcement_docs)(
        cases, base_url)
    documents, done = [], 0
    for doc in docs:
        ctx.check_cancelled()
        documents.append(render.layout("pdf/public.html", **public.doc_context(doc, base_url)))
        done += len(doc.items)
        ctx.progress(min(len(ids), done))
    if not documents:
        return []
    part = folder / "0000.pdf"
    render.write(documents, part)
    return [part]
