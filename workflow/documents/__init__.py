"""PDF documents: approval sheets, public notices, announcements and archive covers.

Rendered with WeasyPrint from Jinja templates under templates/pdf/, with shipped subset
fonts (see ``fonts``); each carries a verification code and QR code checked by the
public page ``/verify/<case_id>/<code>`` (see ``verify``); batches are made in the
background as jobs (see ``batch`` and workflow/jobs).
"""
from __future__ import annotations

import os

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the routes and the ``flask documents`` commands; set the defaults.

    Settings (environment ``WORKFLOW_<NAME>``): ``PUBLIC_BASE_URL`` — the address printed
    in verification links (required in production, where documents are refused without
    it; in development the address of the request); ``DOCUMENTS_BATCH_MAX`` — most
    cases in one batch (2000); ``DOCUMENTS_BATCH_CHUNK`` — documents laid out between
    two progress and cancel checks (25). Batch PDFs are job files (workflow/jobs), kept in
    the database, so every node serves them.
    """
    from workflow.documents.cli import documents_cli
    from workflow.documents.verify import checked_public_address
    from workflow.documents.views import documents

    app.config.setdefault("PUBLIC_BASE_URL", os.environ.get("WORKFLOW_PUBLIC_BASE_URL"))
    app.config["PUBLIC_BASE_URL"] = checked_public_address(app.config["PUBLIC_BASE_URL"])
    if app.config.get("PRODUCTION") and not app.config["PUBLIC_BASE_URL"]:
        # Paper must point at the public address; without it nothing with a QR code is
        # printed (documents.verify.public_base_url) until the setting is made.
        app.logger.warning("WORKFLOW_PUBLIC_BASE_URL is not set: sheets, notices and "
                           "covers are refused until it names the public address")
    app.config.setdefault("DOCUMENTS_BATCH_MAX",
                          int(os.environ.get("WORKFLOW_DOCUMENTS_BATCH_MAX", "2000")))
    # Documents per layout pass of a batch job (progress and cancel checks in between).
    app.config.setdefault("DOCUMENTS_BATCH_CHUNK",
                          int(os.environ.get("WORKFLOW_DOCUMENTS_BATCH_CHUNK", "25")))
    app.register_blueprint(documents)
    app.cli.add_command(documents_cli)
