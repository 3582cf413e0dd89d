"""Security headers on every kind of response, and templates the page policy can run."""
from __future__ import annotations

import pathlib
import re

from tests.factories import Api
from tests.web.test_pages import new_case
from workflow import create_app
from workflow.auth.headers import PAGE_POLICY, PDF_POLICY, RESOURCE_POLICY

TEMPLATES = pathlib.Path(__file__).resolve().parents[2] / "templates"


def _common(response) -> None:
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # development: no HSTS


def test_pages_errors_and_the_login_form_carry_the_page_policy(client, world, as_user):
    clerk = as_user("clerk")
    for response in (client.get("/login"), clerk.get("/"), clerk.get("/no-such-page"),
                     clerk.get("/cases/999999")):
        _common(response)
        assert response.headers["Content-Security-Policy"] == PAGE_POLICY
    policy = PAGE_POLICY.split("; ")
    assert "script-src 'self'" in policy and "object-src 'none'" in policy
    assert not any("unsafe" in d for d in policy if d.startswith(("script-src", "default")))


def test_api_static_and_pdf_responses_carry_headers(client, world, as_user):
    api = Api(client, "clerk")
    for response in (api.get("/api/v1/cases"), client.get("/api/v1/cases"),
                     client.get("/static/app.css")):
        _common(response)
        assert response.headers["Content-Security-Policy"] == RESOURCE_POLICY
    case = new_case(world)
    pdf = as_user("clerk").get(f"/cases/{case.id}/sheet.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    _common(pdf)
    assert pdf.headers["Content-Security-Policy"] == PDF_POLICY


def test_production_adds_hsts(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKFLOW_ENV", "production")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite",
                      "SECRET_KEY": "x7Qp-9vLr2Ks8mWz4Tn6Yb3Hd5Jf1Gc0Ae",
                      "AUDIT_KEY": "eA0cG1fJ5dH3bY6nT4zWm8sK2rLv9-pQ7x",
                      "RATELIMIT_PER_PROCESS": True})  # memory:// accepted: one process
    response = app.test_client().get("/static/app.css")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_template_needs_inline_script():
    """script-src 'self' would silently break an inline <script> or a javascript: link."""
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|javascript:|\son[a-z]+=\"", re.I)
    offenders = [f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
                 for path in TEMPLATES.rglob("*.html") if "pdf" not in path.parts[-2:-1]
                 for match in inline.finditer(path.read_text())]
    assert offenders == []
