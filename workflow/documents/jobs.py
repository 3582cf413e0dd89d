"""Batch printing: many cases' documents as one PDF, made by a background thread.

``start`` checks the filters, counts the cases, writes a ``DocumentJob`` row and starts a
thread; the thread has the documents laid out in chunks by warm worker processes
(``pool``), recording progress and a heartbeat in the row, then merges the chunks' PDFs
into ``<DOCUMENTS_FOLDER>/<job id>.pdf``. The request that
started the job answers at once; the page polls ``status``. Nothing is kept in memory
between requests: with several app servers, DOCUMENTS_FOLDER must be shared storage
(or the work moves to a queue such as Redis + RQ; ``run`` is the function to enqueue).
"""
from __future__ import annotations

import datetime as dt
import os
import queue
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from workflow import clock
from workflow.auth.models import User
from workflow.cases.models import Case
from workflow.cases.queries import case_query
from workflow.documents import content, pool, public, render
from workflow.documents.models import DocumentJob
from workflow.engine.errors import Invalid
from workflow.extensions import db

KINDS = {"sheet": "审批表", "cover": "档案封面", "notice": "公示", "announcement": "公告"}
# A running job writes a heartbeat at least this often; older than this, it has died.
STALE_AFTER = dt.timedelta(minutes=5)
KEEP_FILES = dt.timedelta(days=1)


@dataclass
class Filters:
    """The batch filters, as chosen on the batch page (all optional but the kind)."""

    kind: str
    procedure: str = ""
    state: str = ""
    place_path: str = ""
    place_name: str = ""
    date_from: str = ""
    date_to: str = ""

    def as_dict(self) -> dict[str, str]:
        return dict(self.__dict__)


def folder() -> Path:
    path = Path(current_app.config.get("DOCUMENTS_FOLDER")
                or Path(current_app.instance_path) / "documents")
    path.mkdir(parents=True, exist_ok=True)
    return path


def pdf_path(job: DocumentJob) -> Path:
    return folder() / f"{job.id}.pdf"


def case_ids(user: User, filters: dict[str, Any]) -> list[int]:
    """The ids of the cases the filters choose, in the user's scope, place by place."""
    def day(name: str) -> dt.date | None:
        return dt.date.fromisoformat(filters[name]) if filters.get(name) else None

    query = case_query(user, procedure=filters.get("procedure") or None,
                       state=filters.get("state") or None,
                       jurisdiction_path=filters.get("place_path") or None,
                       date_from=day("date_from"), date_to=day("date_to"))
    query = query.order_by(None).order_by(Case.jurisdiction_path, Case.id)
    return list(db.session.execute(query.with_only_columns(Case.id)).scalars())


def start(user: User, filters: Filters, base_url: str, app: Flask | None = None) -> DocumentJob:
    """Create a job for ``filters`` and start its thread; Invalid when nothing or too much."""
    if filters.kind not in KINDS:
        raise Invalid("请选择要打印的文书", {"kind": ["请选择审批表、档案封面、公示或公告"]})
    count = len(case_ids(user, filters.as_dict()))
    limit = int(current_app.config.get("DOCUMENTS_BATCH_MAX", 2000))
    if count == 0:
        raise Invalid("没有符合条件的案件", {"_filters": ["没有符合条件的案件，请调整筛选条件"]})
    if count > limit:
        raise Invalid("案件过多", {"_filters": [f"符合条件的案件有 {count} 件，一次最多打印 "
                                             f"{limit} 件，请缩小范围（如按乡镇或日期）"]})
    _purge_old()
    job = DocumentJob(id=secrets.token_hex(16), user_id=user.id, kind=filters.kind,
                      filters={**filters.as_dict(), "base_url": base_url}, total=count,
                      created_at=clock.utcnow(), updated_at=clock.utcnow())
    db.session.add(job)
    db.session.commit()
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    threading.Thread(target=run, args=(app, job.id), name=f"documents-{job.id[:8]}",
                     daemon=True).start()
    return job


def run(app: Flask, job_id: str) -> None:
    """Make the job's PDF (in its own app context and database session)."""
    with app.app_context():
        job = db.session.get(DocumentJob, job_id)
        if job is None:
            return
        try:
            _make(job)
        except Exception as exc:  # the job row tells the user; the log keeps the detail
            app.logger.exception("document job %s failed", job_id)
            db.session.rollback()
            job = db.session.get(DocumentJob, job_id)
            job.state, job.message = "failed", f"生成失败：{type(exc).__name__}"[:200]
            job.finished_at = job.updated_at = clock.utcnow()
            db.session.commit()
        finally:
            db.session.remove()


def _progress(job: DocumentJob, done: int, message: str = "") -> None:
    """Record progress and a heartbeat (committed: any app server may be asked)."""
    job.done, job.updated_at = done, clock.utcnow()
    if message:
        job.message = message
    db.session.commit()


def _make(job: DocumentJob) -> None:
    user = db.session.get(User, job.user_id)
    ids = case_ids(user, job.filters)
    base_url = job.filters["base_url"]
    job.state, job.total = "running", len(ids)
    _progress(job, 0, "正在生成")
    target = pdf_path(job)
    if job.kind in ("sheet", "cover"):
        parts = _render_parts(job, ids, base_url)
    else:
        parts = _render_public(job, ids, base_url)
    if not parts:
        job.state, job.message = "failed", "所选案件没有可打印的" + KINDS[job.kind]
        job.finished_at = clock.utcnow()
        _progress(job, job.total)
        return
    _progress(job, job.total, "正在合并为一个文件")
    partial = target.with_suffix(".part")
    merge(parts, partial)
    os.replace(partial, target)
    job = db.session.get(DocumentJob, job.id)
    job.state, job.size, job.message = "done", target.stat().st_size, ""
    job.finished_at = clock.utcnow()
    _progress(job, job.total)


def _render_parts(job: DocumentJob, ids: list[int], base_url: str) -> list[Path]:
    """Sheets or covers in chunks, each written to its own part file, in case order.

    With more than one worker (DOCUMENTS_BATCH_WORKERS, default min(4, CPUs)) the chunks
    go to that many worker processes (``pool``: WeasyPrint is CPU-bound and holds the
    GIL), one chunk at a time to whichever is free; with one, in this thread.
    """
    workers = batch_workers(len(ids))
    chunks = chunked(ids, workers)
    parts = [folder() / f"{job.id}.{n:04d}.part.pdf" for n in range(len(chunks))]
    done = 0
    if workers == 1:
        for chunk, part in zip(chunks, parts, strict=True):
            render_chunk(job.kind, chunk, base_url, str(part))
            done += len(chunk)
            db.session.expunge_all()
            job = db.session.get(DocumentJob, job.id)
            _progress(job, done)
        return parts
    for count in _in_workers(job.kind, list(zip(chunks, parts, strict=True)), base_url,
                             workers):
        done += count
        _progress(job, done)
    return parts


def chunked(ids: list[int], workers: int) -> list[list[int]]:
    """``ids`` in chunks of at most 25, smaller towards the end so that the workers
    finish together (each chunk is one PDF write, ≈ 30 ms, so not too small either)."""
    chunks, rest = [], list(ids)
    while rest:
        size = max(5, min(25, -(-len(rest) // (workers * 2))))
        chunks.append(rest[:size])
        rest = rest[size:]
    return chunks


def _in_workers(kind: str, chunks: list[tuple[list[int], Path]], base_url: str,
                workers: int):
    """Lay the chunks out in ``workers`` processes; yields the size of each finished chunk."""
    todo: queue.Queue[tuple[list[int], Path]] = queue.Queue()
    for chunk in chunks:
        todo.put(chunk)
    finished: queue.Queue[int | Exception | None] = queue.Queue()

    def serve(worker: pool.Worker) -> None:
        try:
            while True:
                try:
                    ids, part = todo.get_nowait()
                except queue.Empty:
                    return
                finished.put(worker.render(kind, ids, base_url, part))
        except Exception as exc:  # handed to the job thread, which fails the job
            finished.put(exc)
        finally:
            finished.put(None)

    taken = pool.acquire(workers)
    threads = [threading.Thread(target=serve, args=(w,), daemon=True) for w in taken]
    for thread in threads:
        thread.start()
    failure: Exception | None = None
    try:
        running = len(threads)
        while running:
            item = finished.get()
            if item is None:
                running -= 1
            elif isinstance(item, Exception):
                failure = failure or item
                while not todo.empty():  # the others stop after their current chunk
                    todo.get_nowait()
            else:
                yield item
    finally:
        for thread in threads:
            thread.join()
        pool.release(taken)
    if failure:
        raise failure


def _render_public(job: DocumentJob, ids: list[int], base_url: str) -> list[Path]:
    """Notices or announcements: the cases grouped into documents, in this thread."""
    cases = [db.session.get(Case, i) for i in ids]
    docs = (public.notice_docs if job.kind == "notice" else public.announcement_docs)(
        cases, base_url)
    documents = []
    for doc in docs:
        documents.append(render.layout("pdf/public.html", **public.doc_context(doc, base_url)))
        _progress(job, min(job.total, job.done + len(doc.items)))
    if not documents:
        return []
    part = folder() / f"{job.id}.0000.part.pdf"
    render.write(documents, part)
    return [part]


def render_chunk(kind: str, ids: list[int], base_url: str, target: str) -> None:
    """Write the sheets (or covers) of the cases ``ids`` to ``target`` as one PDF."""
    documents = []
    for case_id in ids:
        case = db.session.get(Case, case_id)
        if kind == "sheet":
            context = content.sheet_context(case, base_url)
            template = content.sheet_template(context["definition"])
        else:
            context, template = content.cover_context(case, base_url), "pdf/cover.html"
        documents.append(render.layout(template, **context))
    render.write(documents, target)


def merge(parts: list[Path], target: Path) -> None:
    """Concatenate the part files into ``target`` and delete them."""
    if len(parts) == 1:
        os.replace(parts[0], target)
        return
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(str(part))
    with open(target, "wb") as handle:
        writer.write(handle)
    for part in parts:
        part.unlink(missing_ok=True)


def batch_workers_for(app: Flask, count: int) -> int:
    with app.app_context():
        return batch_workers(count)


def prestart_workers() -> None:
    """Start warm worker processes for the batch that the user is about to ask for."""
    if configured_workers() > 1:
        pool.prestart(configured_workers())


def configured_workers() -> int:
    """Worker processes a large batch uses (1: lay out in the job's thread)."""
    configured = current_app.config.get("DOCUMENTS_BATCH_WORKERS")
    workers = int(configured) if configured else min(4, os.cpu_count() or 1)
    if ":memory:" in str(current_app.config.get("SQLALCHEMY_DATABASE_URI", "")):
        workers = 1  # other processes cannot see an in-memory database
    return max(1, workers)


def batch_workers(count: int) -> int:
    """Worker processes for a batch of ``count`` documents (one per ten at most)."""
    return max(1, min(configured_workers(), -(-count // 10)))


def status(job: DocumentJob) -> dict[str, Any]:
    """What the progress poll answers; a job without heartbeat for long is reported failed."""
    if job.state in ("queued", "running") and clock.utcnow() - job.updated_at > STALE_AFTER:
        job.state, job.message = "failed", "任务已中断（服务器重启或出错），请重新提交"
        job.finished_at = clock.utcnow()
        db.session.commit()
    percent = 100 if job.state == "done" else int(job.done * 100 / job.total) if job.total else 0
    return {"id": job.id, "state": job.state, "state_title": job.state_title,
            "kind": job.kind, "kind_title": KINDS.get(job.kind, job.kind), "done": job.done,
            "total": job.total, "percent": min(percent, 100), "message": job.message,
            "size": job.size}


def _purge_old() -> None:
    """Delete job files older than KEEP_FILES (their rows stay, marked without a file)."""
    cutoff = clock.utcnow() - KEEP_FILES
    old = db.session.execute(db.select(DocumentJob).where(
        DocumentJob.created_at < cutoff, DocumentJob.state == "done")).scalars().all()
    for job in old:
        pdf_path(job).unlink(missing_ok=True)
        job.state, job.message = "failed", "文件已过期清理，请重新生成"
    for part in folder().glob("*.part*"):
        if dt.datetime.fromtimestamp(part.stat().st_mtime) < dt.datetime.now() - KEEP_FILES:
            part.unlink(missing_ok=True)
