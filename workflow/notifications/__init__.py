"""The notification centre: what reaches each user in the app (new to-dos, returned
cases, objections, mentions), their choices, the unread count in the top bar, and the
daily digest e-mail."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the hook on case events, the page, the API, the top-bar count, the daily
    digest (a periodic job) and ``flask notifications``."""
    from workflow.notifications import (  # noqa: F401 - digest, sms, warnings: @periodic
        digest,
        events,
        sms,
        views,
        warnings,
    )
    from workflow.notifications.cli import notifications_cli

    events.register()
    views.init_views(app)
    app.cli.add_command(notifications_cli)
