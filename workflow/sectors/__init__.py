"""Sector data (行业部门数据) compared with the register (账账相符): department rosters
imported in declared formats (formats/*.yaml, ``formats``, ``importer``), matched by
named set-based rules (``rules``, ``matching``, a background job in ``jobs``), the
discrepancies verified by the villages (``operations``), every import and verification
on each county's sealed chain (``chain``), read by the exit and renovation guards
(``queries.open_reasons``). Registered from the app factory through ``init_app``."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from workflow.sectors import (
        models,  # noqa: F401 - the tables
        views,
    )
    from workflow.sectors.formats import formats

    formats()  # a broken format file stops the start-up with its name and reason
    views.init_app(app)
