"""Batch printing helpers: the filters, the cases they choose, chunked layout and merge.

The job itself is the ``batch_print`` kind (documents/batch.py) on the jobs queue
(workflow/jobs): the worker process lays the documents out chunk by chunk, recording
progress and checking for cancellation between chunks, and keeps the merged PDF as the
job's file in the database, so any app server can serve it.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app

from workflow.auth.models import User
from workflow.cases.models import Case
from workflow.cases.queries import case_query
from workflow.documents import content, render
from workflow.extensions import db
from workflow.jobs import queue
from workflow.jobs.models import Job

KINDS = {"sheet": "审批表", "cover": "档案封面", "notice": "公示", "announcement": "公告"}
CHUNK = 25  # documents per layout pass: progress and cancellation are checked between


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


def start(user: User, filters: Filters, base_url: str) -> Job:
    """Queue a batch for ``filters`` (committed); Invalid when nothing or too much."""
    job = queue.enqueue("batch_print", {**filters.as_dict(), "base_url": base_url}, user,
                        jurisdiction_path=filters.place_path)
    db.session.commit()
    return job


def chunked(ids: list[int], size: int | None = None) -> list[list[int]]:
    """``ids`` in chunks of at most ``size`` (default DOCUMENTS_BATCH_CHUNK, 25)."""
    size = size or int(current_app.config.get("DOCUMENTS_BATCH_CHUNK") or CHUNK)
    return [ids[i:i + size] for i in range(0, len(ids), size)]


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


def status(job: Job) -> dict[str, Any]:
    """What the batch page's progress poll answers."""
    file = queue.result_file(job) if job.status == "done" else None
    return {"id": job.id, "state": job.status, "state_title": job.status_title,
            "kind": job.params.get("kind"), "kind_title": KINDS.get(job.params.get("kind"), ""),
            "done": job.done, "total": job.total, "percent": job.percent,
            "message": job.error or job.message, "size": file.size if file else 0,
            "cancel_requested": job.cancel_requested}
