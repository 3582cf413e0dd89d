"""Offline capture (issue 19 part 2): the installable web app page 外业采集 at /offline, its
service worker and manifest, the package of the user's open cases it keeps on the phone,
and the drafts it sends back on reconnecting, each applied exactly once."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the page, its JSON and the service worker's headers."""
    from workflow.offline import models, views  # noqa: F401 - models: the table

    views.init_views(app)
