"""Settings pages, API, CLI and banner (registered by create_app)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the settings area on ``app``."""
    from workflow.settings import models  # noqa: F401  (the table, for create_all)
