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
- Layout time grows with every element and text line, so the templates are lean and the
  whitespace between tags is stripped before WeasyPrint parses the HTML.
- The templates are well-formed XHTML (void elements closed), so the markup is parsed by
  the C XML parser (expat) rather than WeasyPrint's pure-Python HTML5 parser: ≈ 6 ms less
  per sheet. Markup that is not well-formed still renders, through the HTML5 parser.
"""
from __future__ import annotations

import gc
import re
import threading
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import cssselect2
from flask import current_app, render_template
from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from workflow.documents.fonts import FONT_DIR, font_face_css

_LOCK = threading.RLock()
# Whitespace between tags only makes boxes to lay out; templates space text with 　.
_BETWEEN_TAGS = re.compile(r">\s+<")
_DOCTYPE = re.compile(r"^\s*<!doctype html>", re.IGNORECASE)
_STATE: dict[str, Any] = {}


class LeanHTML(HTML):
    """HTML with templates/pdf/ua.css as the user-agent stylesheet.

    WeasyPrint's own HTML stylesheet holds attribute selectors ([hidden], [dir=...])
    that are tried on every element; the documents use a dozen elements, and a
    stylesheet for just those lays a sheet out about 10 % faster.
    """

    def __init__(self, string: str, url_fetcher: URLFetcher) -> None:
        try:
            # Our own templates' output; every value in it is escaped by Jinja, so it holds no
            # DTD or entity declaration of anyone else's.
            root = ElementTree.fromstring(_DOCTYPE.sub("", string, count=1))  # noqa: S314
        except ElementTree.ParseError:
            super().__init__(string=string, url_fetcher=url_fetcher)
            return
        # What HTML.__init__ sets after its own parse (WeasyPrint 70).
        self.base_url, self.url_fetcher, self.media_type = None, url_fetcher, "print"
        self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root)
        self.etree_element = self.wrapper_element.etree_element

    def _ua_stylesheets(self, *args, **kwargs):
        return [_STATE["ua"]]


class LocalFetcher(URLFetcher):
    """Lets documents load the shipped fonts and inline ``data:`` URIs, nothing else."""

    def fetch(self, url, headers=None):
        if url.startswith("data:") or url.startswith(FONT_DIR.as_uri() + "/"):
            return super().fetch(url, headers)
        raise ValueError(f"documents may not load {url}")


def _pdf_folder() -> Path:
    return Path(current_app.root_path, current_app.template_folder or "templates", "pdf")


def _styles() -> tuple[CSS, FontConfiguration]:
    """The process's parsed stylesheet and font configuration (built on first use)."""
    with _LOCK:
        path, ua_path = _pdf_folder() / "pdf.css", _pdf_folder() / "ua.css"
        stamp = (str(path), path.stat().st_mtime, ua_path.stat().st_mtime)
        if _STATE.get("stamp") != stamp:
            font_config = FontConfiguration()
            text = font_face_css() + "\n" + path.read_text(encoding="utf-8")
            _STATE.update(stamp=stamp, font_config=font_config,
                          css=CSS(string=text, font_config=font_config,
                                  url_fetcher=LocalFetcher()),
                          ua=CSS(string=ua_path.read_text(encoding="utf-8")))
        return _STATE["css"], _STATE["font_config"]


def warm_up() -> None:
    """Parse the stylesheet and load both fonts now (a worker does it before its first
    sheet, so that what stays cached for its life is made before it freezes the heap)."""
    css, font_config = _styles()
    with _LOCK:
        LeanHTML(string="<html><body><p>审批表</p><h1>审批表</h1></body></html>",
                 url_fetcher=LocalFetcher()).render(stylesheets=[css], font_config=font_config)


def layout(template: str, **context: Any) -> Document:
    """Render ``template`` (under templates/) with ``context`` and lay it out as pages."""
    html = _BETWEEN_TAGS.sub("><", render_template(template, **context))
    css, font_config = _styles()
    with _LOCK:
        return LeanHTML(string=html, url_fetcher=LocalFetcher()).render(
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
