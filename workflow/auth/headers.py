"""Security headers on every response (pages, API, files, errors), from one after-request
hook rather than Flask-Talisman: the policy differs by content type (see below), HTTPS is
ended by the proxy in front, not redirected here, and it is twenty lines without a
dependency to keep current.
"""
from __future__ import annotations

from flask import Flask, Response

# Pages: scripts and style sheets only from this site (no inline script, no javascript:
# URLs, no plug-ins, no framing). Inline style="" attributes (spacing in a few templates)
# stay allowed through style-src-attr; a browser without CSP 3 falls back to style-src
# and only loses those margins.
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
               "style-src-attr 'unsafe-inline'; img-src 'self'; font-src 'self'; "
               "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
               "frame-ancestors 'none'")
# JSON, spreadsheets, images, style sheets: nothing in them may load or run anything.
RESOURCE_POLICY = "default-src 'none'; frame-ancestors 'none'"
# PDFs: Chrome shows them in a page it builds itself, with inline styles and an embedded
# viewer, which any fetch directive would break; framing stays refused.
PDF_POLICY = "frame-ancestors 'none'"
HSTS = "max-age=31536000"


def policy_for(mimetype: str) -> str:
    """The Content-Security-Policy for a response of this type."""
    if mimetype == "text/html":
        return PAGE_POLICY
    if mimetype == "application/pdf":
        return PDF_POLICY
    return RESOURCE_POLICY


def init_app(app: Flask) -> None:
    """Register the hook; HSTS only in production (it pins browsers to HTTPS for a year)."""
    production = bool(app.config.get("PRODUCTION"))

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy_for(response.mimetype or ""))
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if production:
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response
