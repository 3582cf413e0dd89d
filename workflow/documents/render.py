"""HTML (Jinja, templates/pdf/) to PDF with WeasyPrint, fast and safe for a web process.

- One stylesheet (templates/pdf/pdf.css plus the @font-face rules of the shipped subset
  fonts) is parsed once per process with one ``FontConfiguration``, so a document
  pays neither CSS parsing nor font registration.
- Every document is laid out on its own (its page numbers count from 1) and any number
  of them are then written as one PDF: the fonts are embedded once for the whole batch.
- WeasyPrint calls hold one process-wide lock (Pango and fontconfig are not meant to be
  driven from several threads at once); a batch takes it one document at a time, so a
  single sheet asked for meanwhile waits for one document, not for the batch.
- Documents fetch nothing: only the shipped fonts and ``data:`` URIs (the QR codes).
- WeasyPrint (half a second to import, Pango through cffi) is imported on the first
  document (workflow/documents/weasy.py), not when the app starts: most requests and
  every CLI command but printing never need it.
- Layout time grows with every element and text line, so the templates are lean and the
  whitespace between tags is stripped before WeasyPrint parses the HTML.
- The templates are well-formed XHTML (void elements closed), so the markup is parsed by
  the C XML parser (expat) rather than WeasyPrint's pure-Python HTML5 parser: ≈ 6 ms less
  per sheet. Markup that is not well-formed still renders, through the HTML5 parser.
"""
from __future__ import annotations

import atexit
import gc
import re
import threading
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import current_app, render_template

from workflow.documents.fonts import font_face_css

if TYPE_CHECKING:
    from weasyprint import CSS, Document
    from weasyprint.text.fonts import FontConfiguration

_LOCK = threading.RLock()
# Whitespace between tags only makes boxes to lay out; templates space text with 　.
_BETWEEN_TAGS = re.compile(r">\s+<")
_STATE: dict[str, Any] = {}


def _pdf_folder() -> Path:
    return Path(current_app.root_path, current_app.template_folder or "templates", "pdf")


def _styles() -> tuple[CSS, FontConfiguration, CSS]:
    """The process's parsed stylesheet, font configuration and user-agent stylesheet
    (templates/pdf/ua.css), built on first use."""
    with _LOCK:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        from workflow.documents.weasy import LocalFetcher

        path, ua_path = _pdf_folder() / "pdf.css", _pdf_folder() / "ua.css"
        stamp = (str(path), path.stat().st_mtime, ua_path.stat().st_mtime)
        if _STATE.get("stamp") != stamp:
            if not _STATE:  # dropped at exit while WeasyPrint is still loaded, so that the
                atexit.register(_STATE.clear)  # font configuration removes its temp folder
            font_config = FontConfiguration()
            text = font_face_css() + "\n" + path.read_text(encoding="utf-8")
            _STATE.update(stamp=stamp, font_config=font_config,
                          css=CSS(string=text, font_config=font_config,
                                  url_fetcher=LocalFetcher()),
                          ua=CSS(string=ua_path.read_text(encoding="utf-8")))
        return _STATE["css"], _STATE["font_config"], _STATE["ua"]


def warm_up() -> None:
    """Parse the stylesheet and load both fonts now (a worker does it before its first
    sheet, so that what stays cached for its life is made before it freezes the heap)."""
    from workflow.documents.weasy import LeanHTML, LocalFetcher

    css, font_config, ua = _styles()
    with _LOCK:
        LeanHTML(string="<html><body><p>审批表</p><h1>审批表</h1></body></html>",
                 url_fetcher=LocalFetcher(), ua=ua).render(stylesheets=[css],
                                                           font_config=font_config)


def layout(template: str, **context: Any) -> Document:
    """Render ``template`` (under templates/) with ``context`` and lay it out as pages."""
    from workflow.documents.weasy import LeanHTML, LocalFetcher

    html = _BETWEEN_TAGS.sub("><", render_template(template, **context))
    css, font_config, ua = _styles()
    with _LOCK:
        return LeanHTML(string=html, url_fetcher=LocalFetcher(), ua=ua).render(
            stylesheets=[css], font_config=font_config)


def write(documents: Iterable[Document], target: str | Path | None = None) -> bytes | None:
    """All pages of ``documents`` as one PDF (bytes, or written to ``target``)."""
    documents = list(documents)
    if not documents:
        raise ValueError("nothing to write")
    pages = [page for document in documents for page in document.pages]
    with _LOCK:
        combined = documents[0].copy(pages)
        # The shipped fonts carry no hinting, so keeping it changes no byte of the PDF
        # and spares the subsetter stripping it (≈ 7 ms a sheet).
        return combined.write_pdf(target, hinting=True)


def combine(documents: Iterable[Document]) -> Document | None:
    """The pages of ``documents`` as one laid-out document (None when there are none):
    several public lists kept as one part of a package (household_files)."""
    documents = list(documents)
    if not documents:
        return None
    return documents[0].copy([page for document in documents for page in document.pages])


def pdf(template: str, **context: Any) -> bytes:
    """One document as PDF bytes."""
    with _without_collection():
        return write([layout(template, **context)])


@contextmanager
def _without_collection():
    """No cyclic garbage collection for one document: a layout makes tens of thousands of
    short-lived objects, and the collections they trigger cost ≈ 5 % of a sheet (the
    batch workers do the same per chunk, see worker.py)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
