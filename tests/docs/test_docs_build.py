"""The documentation in docs/: `mkdocs build --strict` passes (no broken link or anchor, no
page outside the navigation) and the pages load nothing from elsewhere.

Not skipped when MkDocs is missing: it is a dev dependency (pyproject.toml), so a missing
MkDocs is a broken setup, and the docs build is what CI checks.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_site_builds_strictly(tmp_path):
    site = tmp_path / "site"
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    page = (site / "procedures" / "index.html").read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in page and "贫困户退出" in page  # Chinese as text
    for built in site.rglob("*.html"):
        html = built.read_text(encoding="utf-8")
        loaded = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(https?:)?//', html)
        assert loaded == [], f"{built.relative_to(site)} loads from elsewhere"
