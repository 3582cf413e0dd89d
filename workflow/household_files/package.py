"""One household's package: the parts laid out first (their pages counted), then the
cover and the table of contents with the page each part begins on, then the manifest.

All laid-out documents are written as one PDF (the fonts embedded once), evidence PDFs
are spliced in at their place with pypdf, and the manifest — written last, since it
lists what the parts hash to — is appended. A part's SHA-256 is that of its pages'
content as written in the package (each page's decoded content stream, in order),
so it can be recomputed from the package itself; an evidence part's is the SHA-256 of
the file as uploaded (the hash the case's trail recorded at upload).
"""
from __future__ import annotations

import hashlib
import io
import secrets
from typing import Any

from flask import current_app

from workflow import clock
from workflow.documents import render, verify
from workflow.documents.content import places_of
from workflow.extensions import db
from workflow.household_files.models import HouseholdFile, HouseholdFilePart
from workflow.household_files.parts import Cache, Part, household_cases, parts_of, printed_on
from workflow.registry.models import Household

TEMPLATE = "pdf/household_file.html"


def new_code(household_id: int) -> str:
    """A fresh package code: random input, so no code can be made up for a household."""
    while True:
        code = verify.code_for(household_id, "household-file:" + secrets.token_hex(16))
        taken = db.session.execute(db.select(HouseholdFile.id).where(
            HouseholdFile.code == code)).first()
        if taken is None:
            return code


def file_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/verify/household-file/{code}"


def _front(parts: list[Part], common: dict[str, Any]) -> tuple:
    """Cover and contents laid out with the right page numbers (the contents are laid out
    again while their own length moves the parts)."""
    cover = render.layout(TEMPLATE, section="cover", **common)
    toc_pages = 1
    while True:
        page = len(cover.pages) + toc_pages + 1
        for part in parts:
            part.first_page, page = page, page + part.pages
        toc = render.layout(TEMPLATE, section="toc", parts=parts, manifest_page=page,
                            **common)
        if len(toc.pages) == toc_pages:
            return cover, toc, page
        toc_pages = len(toc.pages)


def _content_hash(pages: list) -> str:
    digest = hashlib.sha256()
    for page in pages:
        contents = page.get_contents()
        digest.update(contents.get_data() if contents is not None else b"")
    return digest.hexdigest()


def build(household: Household, actor, base_url: str, cache: Cache | None = None
          ) -> tuple[bytes, HouseholdFile]:
    """The household's package as PDF bytes, recorded (not committed) with its parts."""
    from pypdf import PdfReader, PdfWriter

    cache = cache or Cache()
    parts = parts_of(household, actor, base_url, cache)
    code = new_code(household.id)
    url = file_url(base_url, code)
    common = {"household": household, "places": places_of(household.village),
              "cases": len(household_cases(household)), "printed_on": printed_on(),
              "mark": {"household_id": household.id, "code": verify.display(code),
                       "url": url, "qr": verify.qr_image(url)}}
    cover, toc, manifest_page = _front(parts, common)
    laid_out = [cover, toc] + [p.document for p in parts if p.document is not None]
    body = PdfReader(io.BytesIO(render.write(laid_out)))
    writer = PdfWriter()
    at = len(cover.pages) + len(toc.pages)
    writer.append(body, pages=(0, at))
    for part in parts:
        if part.document is not None:
            pages = body.pages[at:at + part.pages]
            writer.append(body, pages=(at, at + part.pages))
            at += part.pages
            if part.kind != "evidence":
                part.sha256 = _content_hash(pages)
        else:
            writer.append(PdfReader(io.BytesIO(part.pdf)))
    manifest = render.write([render.layout(TEMPLATE, section="manifest", parts=parts,
                                           manifest_page=manifest_page, **common)])
    writer.append(PdfReader(io.BytesIO(manifest)))
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    record = HouseholdFile(
        household_id=household.id, jurisdiction_path=household.jurisdiction_path,
        code=code, pages=len(writer.pages), size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), created_at=clock.utcnow(),
        created_by_id=actor.id,
        parts=[HouseholdFilePart(seq=n, kind=p.kind, title=p.title[:200], case_id=p.case_id,
                                 source_id=p.source_id, source_version=p.source_version,
                                 sha256=p.sha256, code=p.code, first_page=p.first_page,
                                 pages=p.pages) for n, p in enumerate(parts, 1)])
    db.session.add(record)
    db.session.flush()
    current_app.logger.debug("household file %s: %d parts, %d pages, %d bytes",
                             code, len(parts), record.pages, record.size)
    return data, record
