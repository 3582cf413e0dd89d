"""The notification centre: what reaches each user in the app (new to-dos, returned
cases, objections, mentions), their choices, the unread count in the top bar, and the
daily digest e-mail."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the hook on case events, the page, the API, the top-bar count, the daily
    digest (a periodic job) and ``flask notifications``."""
    from workflow.notifications import digest, events, views  # noqa: F401 - digest: @periodic
    from workflow.notifications.cli import notifications_cli

    events.register()
    views.init_views(app)
    app.cli.add_command(notifications_cli)
