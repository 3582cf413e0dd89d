"""The notification centre: what reaches each user in the app (new to-dos, returned
cases, objections, mentions), their choices, the unread count in the top bar."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the hook on case events, the page, the API and the top-bar count."""
    from workflow.notifications import events, views

    events.register()
    views.init_views(app)
