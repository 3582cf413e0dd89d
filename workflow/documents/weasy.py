"""The WeasyPrint classes the documents use, apart from render.py so that importing
render (every area that prints does, at app start) does not import WeasyPrint; render's
functions import this module on the first document. It imports nothing of render: the
parsed user-agent stylesheet is handed in."""
from __future__ import annotations

import re
from xml.etree import ElementTree

import cssselect2
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from workflow.documents.fonts import FONT_DIR

_DOCTYPE = re.compile(r"^\s*<!doctype html>", re.IGNORECASE)


class LeanHTML(HTML):
    """HTML with templates/pdf/ua.css as the user-agent stylesheet.

    WeasyPrint's own HTML stylesheet holds attribute selectors ([hidden], [dir=...])
    that are tried on every element; the documents use a dozen elements, and a
    stylesheet for just those lays a sheet out about 10 % faster.
    """

    def __init__(self, string: str, url_fetcher: URLFetcher, ua: CSS) -> None:
        self._ua = ua  # parsed once per process, by render._styles
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
        return [self._ua]


class LocalFetcher(URLFetcher):
    """Lets documents load the shipped fonts and inline ``data:`` URIs, nothing else."""

    def fetch(self, url, headers=None):
        if url.startswith("data:") or url.startswith(FONT_DIR.as_uri() + "/"):
            return super().fetch(url, headers)
        raise ValueError(f"documents may not load {url}")


