"""Operations: request ids, structured logs, /healthz and /metrics (issue 15).

``init_app`` is called from ``create_app``; the pieces are documented in their modules:
requests.py (X-Request-ID, ProxyFix), logs.py (JSON lines), health.py (``register_check``),
metrics.py (Prometheus). deploy/ holds the gunicorn, nginx and systemd files that use them.
"""
from __future__ import annotations

from flask import Flask

# Endpoints that must stay cheap: no user loaded, no session row touched, no rate limit.
# Before-request hooks that load ``current_user`` skip these (admin/account_views.py).
LIGHT_ENDPOINTS = frozenset({"ops_health.healthz", "ops_metrics.metrics"})


def init_app(app: Flask) -> None:
    """Wire request ids and proxy fix, logging, health and metrics into ``app``."""
    from workflow.extensions import limiter
    from workflow.ops import health, logs, metrics, requests

    requests.init_app(app)
    logs.init_app(app)
    app.register_blueprint(health.health)
    limiter.exempt(health.health)
    metrics.init_app(app)
    limiter.exempt(metrics.metrics_view)
