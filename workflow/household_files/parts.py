"""The parts of one household's package, in order, each laid out by the renderer that
prints it on its own (documents/content.py, documents/public.py, cards/content.py).

Per case (oldest first): its archive cover, its approval sheet, the notice it was last
listed in, its county announcement (once county-approved), then its evidence in upload
order — a photo on a page of its own with its caption, a PDF's own pages. Last the
household's 明白卡 where it has one. What each part was made from is kept
(``source_version``) for the verification page.
"""
from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import Any

from workflow import clock
from workflow.cards import content as card_content
from workflow.cards.models import PolicyCard
from workflow.cases.models import Case
from workflow.documents import content, public, render, verify
from workflow.documents.rows import chinese_date
from workflow.engine import store
from workflow.evidence.models import Attachment
from workflow.evidence.operations import attachments_of, storage_path
from workflow.extensions import db
from workflow.housing.models import House
from workflow.registry.models import Household

# Households that get a 明白卡 (as cards/views.py prints them).
CARD_STATUSES = ("registered_poor", "exited")


@dataclass
class Part:
    """One part: a laid-out document (``document``) or a PDF's bytes (``pdf``)."""

    kind: str
    title: str
    source_version: str
    case_id: int | None = None
    source_id: int | None = None
    code: str | None = None
    document: Any = None  # a WeasyPrint Document
    pdf: bytes | None = None  # an evidence PDF, appended as it is
    sha256: str = ""
    pages: int = 0
    first_page: int = 0


class Cache:
    """Laid-out notices shared by the households of one job (a village notice lists
    every household of it: laid out once, not once per household)."""

    def __init__(self) -> None:
        self.notices: dict[tuple, Any] = {}


def household_cases(household: Household) -> list[Case]:
    """The household's cases (its own and its houses'), oldest first."""
    houses = db.select(House.id).where(House.household_id == household.id)
    return list(db.session.execute(db.select(Case).where(db.or_(
        db.and_(Case.subject_type == "household", Case.subject_id == household.id),
        db.and_(Case.subject_type == "house", Case.subject_id.in_(houses))))
        .order_by(Case.created_at, Case.id)).scalars())


def _case_parts(case: Case, base_url: str, cache: Cache) -> list[Part]:
    definition = store.by_version(case.definition_version)
    label = f"{definition.title}（案件 {case.id}）"
    code = verify.case_code(case)

    def part(kind: str, title: str, document: Any) -> Part:
        return Part(kind=kind, title=f"{label}{title}", source_version=case.trail_head,
                    case_id=case.id, code=code, document=document)

    parts = [part("case_cover", "档案封面",
                  render.layout("pdf/cover.html", **content.cover_context(case, base_url)))]
    sheet = content.sheet_context(case, base_url)
    parts.append(part("sheet", "审批表",
                      render.layout(content.sheet_template(definition), **sheet)))
    notice = public.latest_notice(case)
    if notice is not None:
        key = public.notice_key(case, notice)
        if key not in cache.notices:
            docs = public.notice_docs_of(case, base_url)
            cache.notices[key] = render.combine([render.layout(
                "pdf/public.html", **public.doc_context(d, base_url)) for d in docs])
        if cache.notices[key] is not None:
            parts.append(part("notice", f"{notice.title}", cache.notices[key]))
    announced = public.announcement_docs([case], base_url)
    if announced:
        parts.append(part("announcement", "公告", render.combine([render.layout(
            "pdf/public.html", **public.doc_context(d, base_url)) for d in announced])))
    kinds = definition.evidence_kinds
    for attachment in attachments_of(case.id):
        parts.append(_evidence(case, attachment, f"{label}证明材料："
                               f"{kinds.get(attachment.kind, attachment.kind)}", base_url))
    return parts


def _readable_pdf(data: bytes) -> bool:
    """A PDF pypdf can splice in (not encrypted, its pages readable)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        return not reader.is_encrypted and len(reader.pages) > 0
    except (PyPdfError, ValueError, KeyError, TypeError):
        return False


def _evidence(case: Case, attachment: Attachment, title: str, base_url: str) -> Part:
    """A photo laid out on a page with its caption, or a PDF's bytes as they are; a page
    saying why in place of a file that is missing or cannot be spliced in."""
    path = storage_path(attachment.sha256)
    data = path.read_bytes() if path.exists() else None
    made = Part(kind="evidence", title=title, source_version=attachment.sha256,
                case_id=case.id, source_id=attachment.id, sha256=attachment.sha256)
    problem = ("原件文件缺失，请联系系统管理员核查" if data is None else
               "" if attachment.is_image or _readable_pdf(data) else
               "该 PDF 文件无法合入（已加密或已损坏），请在系统中查看原件")
    if not problem and not attachment.is_image:
        made.pdf = data
        return made
    taken = attachment.captured_at
    image = "" if problem else \
        f"data:{attachment.content_type};base64,{base64.b64encode(data).decode()}"
    made.document = render.layout(
        "pdf/evidence.html", title=title, attachment=attachment, image=image,
        problem=problem, mark=content.paper_mark(case, base_url),
        taken=clock.to_local(taken).strftime("%Y-%m-%d %H:%M") if taken else "",
        uploaded=clock.to_local(attachment.uploaded_at).strftime("%Y-%m-%d %H:%M"))
    return made


def _card(household: Household, actor, base_url: str) -> Part:
    """The 明白卡 as printed now (the print recorded like any other)."""
    context = card_content.print_context(household, actor, base_url)
    card_digest = card_content.digest(context["card"])
    db.session.flush()
    printed = db.session.execute(db.select(PolicyCard).where(
        PolicyCard.household_id == household.id, PolicyCard.digest == card_digest)
        .order_by(PolicyCard.id.desc())).scalars().first()
    return Part(kind="card", title=f"{context['card']['year']} 年度帮扶政策明白卡",
                source_version=printed.digest, source_id=printed.id, code=printed.code,
                document=render.layout("pdf/card.html", **context))


def parts_of(household: Household, actor, base_url: str, cache: Cache) -> list[Part]:
    """Every part of the household's package, in order (cover, contents and manifest
    are made by package.py around them)."""
    parts = []
    for case in household_cases(household):
        parts.extend(_case_parts(case, base_url, cache))
    if household.status in CARD_STATUSES:
        parts.append(_card(household, actor, base_url))
    for made in parts:
        if made.document is not None:
            made.pages = len(made.document.pages)
        else:
            from pypdf import PdfReader

            made.pages = len(PdfReader(io.BytesIO(made.pdf)).pages)
    return parts


def printed_on() -> str:
    return chinese_date(clock.today())
