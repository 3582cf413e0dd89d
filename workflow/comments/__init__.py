"""Comments (批注) on a case: threaded, with @mentions, on their own hash chain per case."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the comment routes, the chain check `flask audit verify` runs and the
    comments sheet of the auditors' trail export."""
    from workflow.audit import anchors, chain
    from workflow.comments import operations, views
    from workflow.oversight import exports

    chain.register_check(operations.verify)
    anchors.register_heads(operations.HEADS, operations.head_rows)
    if operations.export_sheet not in exports.EXTRA_SHEETS:
        exports.EXTRA_SHEETS.append(operations.export_sheet)
    views.init_views(app)
