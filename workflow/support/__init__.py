"""Support measures (帮扶措施), causes of poverty, labour and schooling, coverage rules and
the special-action boards (issue 17 parts 1 and 2); ``init_app`` wires the area in."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the pages, the API, the register-chain actions and the row check."""
    from workflow.documents.content import SHEET_EXTRAS
    from workflow.support import events, views
    from workflow.support import rules as _rules  # noqa: F401  (registers the rules)
    from workflow.support.operations import sheet_measures

    events.init()
    views.init_app(app)
    if sheet_measures not in SHEET_EXTRAS:
        SHEET_EXTRAS.append(sheet_measures)
