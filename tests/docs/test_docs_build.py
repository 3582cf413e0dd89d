"""The documentation in docs/: `mkdocs build --strict` passes (no broken link or anchor, no
page outside the navigation), the pages load nothing from elsewhere, and Chromium sets
their Chinese in a Simplified Chinese face.

Not skipped when MkDocs is missing: it is a dev dependency (pyproject.toml), so a missing
MkDocs is a broken setup, and the docs build is what CI checks.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.web.test_browser_flow import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site built once for this module, as CI builds it."""
    out = tmp_path_factory.mktemp("docs") / "site"
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def test_the_site_builds_strictly_and_loads_nothing_from_elsewhere(site):
    page = (site / "procedures" / "index.html").read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in page and "贫困户退出" in page  # Chinese as text
    for built in site.rglob("*.html"):
        html = built.read_text(encoding="utf-8")
        loaded = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(https?:)?//', html)
        assert loaded == [], f"{built.relative_to(site)} loads from elsewhere"


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs " + CHROMIUM)
def test_chinese_is_set_in_a_simplified_chinese_face(site):
    """The pages are lang="en": without docs/stylesheets/extra.css Chromium took Noto Sans
    CJK JP for the Chinese (Japanese glyph forms)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto((site / "index.html").as_uri())
        cdp = page.context.new_cdp_session(page)
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        heading = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "article h1"})
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": heading["nodeId"]})
        browser.close()
    families = [f["familyName"] for f in fonts["fonts"]]
    assert families and all(f.endswith(" SC") for f in families), families
