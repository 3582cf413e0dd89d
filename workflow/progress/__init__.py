"""Monthly progress per household (帮扶进展, 挂图作战 at household level; issue 17 part 3):
entries, their tallies, the 月度进展 board and the quarterly quality tracking;
``init_app`` wires the area in."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the pages, the API, the register-chain actions and the row check."""
    from workflow.progress import events, views

    events.init()
    views.init_app(app)
