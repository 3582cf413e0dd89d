"""授权代办 (delegation): a user's role in a place handed to a colleague of the same place
for a date range; the delegate signs as 张三（代李四）."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the provider the case operations ask, the pages and API, the finding
    rule and `audit verify`'s check of the delegations against their trail."""
    from workflow.audit import admin
    from workflow.cases import substitutes
    from workflow.delegation import operations, rules, verify, views  # noqa: F401 - rules

    if operations.acting not in substitutes.PROVIDERS:
        substitutes.PROVIDERS.append(operations.acting)
    views.init_views(app)
    if verify.problems not in admin.ROW_CHECKS:
        admin.ROW_CHECKS.append(verify.problems)
