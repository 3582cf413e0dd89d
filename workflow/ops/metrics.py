"""``GET /metrics`` in the Prometheus text format, from prometheus-flask-exporter.

Request counts and latency histograms per Flask endpoint (``flask_http_request_total``,
``flask_http_request_duration_seconds``; /healthz and /metrics themselves are not
counted), plus gauges read at scrape time: cases per procedure and state
(``workflow_cases``), active accounts (``workflow_active_users``) — one GROUP BY each.

Under gunicorn every worker is a process: with PROMETHEUS_MULTIPROC_DIR set (the gunicorn
config sets it and empties it at start, and marks a dead worker's files on ``child_exit``)
the counters live in files there and any worker's /metrics sums all of them. Without it
(``flask run``, tests) each app keeps its own registry.

Who may read it: addresses in METRICS_ALLOW (default loopback: a Prometheus on the same
host, or scraping the app port directly) or a request with
``Authorization: Bearer <METRICS_TOKEN>``; anyone else gets 403. Behind nginx without
PROXY_FIX every request would seem to come from 127.0.0.1, hence the example site also
refuses /metrics itself (deploy/nginx/workflow.conf).
"""
from __future__ import annotations

import hmac
import ipaddress
import os

from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_flask_exporter import PrometheusMetrics
from sqlalchemy import func, select

from workflow.extensions import db

metrics_view = Blueprint("ops_metrics", __name__)
EXCLUDED = [r"^/healthz$", r"^/metrics$"]
_EXTENSION = "workflow.metrics"


def multiprocess() -> bool:
    """Whether request metrics are shared between worker processes through files."""
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class AppCollector:
    """Gauges computed from the database when scraped (cheap aggregate queries)."""

    def collect(self):
        """The gauges, or only ``workflow_database_up 0`` when the database fails."""
        from workflow.auth.models import User
        from workflow.cases.models import Case

        try:
            rows = db.session.execute(select(Case.procedure, Case.state, func.count())
                                      .group_by(Case.procedure, Case.state)).all()
            users = db.session.execute(select(func.count()).select_from(User)
                                       .where(User.active.is_(True))).scalar_one()
        except Exception:  # noqa: BLE001 - a scrape must answer while the database is down
            db.session.rollback()
            current_app.logger.warning("metrics: database gauges unavailable", exc_info=True)
            yield GaugeMetricFamily("workflow_database_up", "Database answered", value=0)
            return
        yield GaugeMetricFamily("workflow_database_up", "Database answered", value=1)
        cases = GaugeMetricFamily("workflow_cases", "Cases by procedure and state",
                                  labels=["procedure", "state"])
        for procedure, state, count in rows:
            cases.add_metric([procedure, state], count)
        yield cases
        yield GaugeMetricFamily("workflow_active_users", "Active accounts", value=users)


def allowed() -> bool:
    """A bearer token equal to METRICS_TOKEN, or a client address in METRICS_ALLOW."""
    token = current_app.config.get("METRICS_TOKEN")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(
            header[7:].strip().encode(), str(token).encode()):
        return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in current_app.extensions[_EXTENSION]["allow"])


def parse_networks(value: str | None) -> list:
    """METRICS_ALLOW as networks; a clear start-up error for a malformed entry."""
    networks = []
    for part in (value or "").replace(";", ",").split(","):
        if part.strip():
            try:
                networks.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError as exc:
                raise ValueError(f"WORKFLOW_METRICS_ALLOW 中的网段 {part.strip()!r} 无效") from exc
    return networks


@metrics_view.route("/metrics")
def metrics():
    """The exposition: request metrics (all workers' under gunicorn) and app gauges."""
    if not allowed():
        return Response("无权读取监控指标\n", status=403, mimetype="text/plain")
    state = current_app.extensions[_EXTENSION]
    if multiprocess():
        from prometheus_client import multiprocess as pc_multiprocess

        registry = CollectorRegistry()
        pc_multiprocess.MultiProcessCollector(registry)
    else:
        registry = state["registry"]
    body = generate_latest(registry) + generate_latest(state["app_registry"])
    response = Response(body, mimetype=CONTENT_TYPE_LATEST.split(";")[0])
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Request metrics by endpoint on a registry of this app's own; the view above."""
    registry = CollectorRegistry(auto_describe=True)
    exporter = PrometheusMetrics(app, path=None, registry=registry, group_by="endpoint",
                                 excluded_paths=EXCLUDED)
    app_registry = CollectorRegistry(auto_describe=False)
    app_registry.register(AppCollector())
    app.extensions[_EXTENSION] = {"exporter": exporter, "registry": registry,
                                  "app_registry": app_registry,
                                  "allow": parse_networks(app.config.get("METRICS_ALLOW"))}
    app.register_blueprint(metrics_view)
