"""/api/v1/docs: Swagger UI from the packaged bundle, nothing from elsewhere, and a real
Chromium renders the operations of /api/v1/openapi.json under the page's policy."""
from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

import pytest

from tests.web.test_browser_flow import CHROMIUM, CHROMIUM_ARGS, server  # noqa: F401


def test_the_page_and_its_assets_load(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    # Every address in the page is a path on this site: no CDN, no scheme, no host.
    assert re.findall(r"(?:https?:)?//", html) == []
    assert "<script>" not in html  # the initializer is a served file, not inline script
    sources = re.findall(r'(?:src|href|data-spec-url)="([^"]+)"', html)
    assert "/api/v1/openapi.json" in sources
    for source in sources:
        answer = client.get(source)
        assert answer.status_code == 200, source
        assert answer.content_length or answer.get_data(), source
    bundle = client.get("/swagger-ui/swagger-ui-bundle.js")
    assert bundle.mimetype == "text/javascript" and b"SwaggerUIBundle" in bundle.get_data()
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy.split(
        "style-src-attr")[0]


def test_only_the_bundle_files_the_page_needs_are_served(client):
    assert client.get("/swagger-ui/index.html").status_code == 404  # the petstore demo
    assert client.get("/swagger-ui/swagger-initializer.js").status_code == 404
    assert client.get("/swagger-ui/..%2Fswagger_ui_bundle%2F__init__.py").status_code == 404


playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs " + CHROMIUM)
def test_chromium_renders_the_operations_without_refusals(server):  # noqa: F811
    console: list[str] = []
    hosts: set[str] = set()
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.on("request", lambda r: hosts.add(urlsplit(r.url).netloc)
                if r.url.startswith("http") else None)
        page.goto(server + "/api/v1/docs")
        page.wait_for_selector('[data-path="/api/v1/cases/{case_id}/actions/{name}"]',
                               timeout=20000)
        title = page.inner_text(".info .title")
        operations = page.locator(".opblock").count()
        browser.close()
    assert "农村扶贫审批引擎 API" in title
    assert operations >= 30  # one block per documented operation
    assert [m for m in console if "Content Security Policy" in m or m.startswith("error")] == []
    assert hosts == {urlsplit(server).netloc}  # every request went to the app itself
