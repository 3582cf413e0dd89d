"""Request ids, ProxyFix, /healthz and /metrics in the test app (workflow/ops), fast: the
real app for health and metrics, a small Flask app for what ProxyFix and the request-id
middleware do to a request."""
from __future__ import annotations

import json
import logging
import re

import pytest
from flask import Flask, g, request
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event

from tests.factories import Api
from workflow.extensions import db
from workflow.ops import health, logs
from workflow.ops import requests as request_ids
from workflow.ops.metrics import parse_networks


def tiny_app(**config) -> Flask:
    """A Flask app with only workflow.ops.requests, answering what it believes."""
    app = Flask("tiny")
    app.config.update(config)
    request_ids.init_app(app)

    @app.route("/who")
    def who():
        return {"remote": request.remote_addr, "scheme": request.scheme,
                "host": request.host, "id": g.request_id}
    return app


FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "fupin.example.gov.cn"}


def test_forwarded_headers_are_ignored_without_proxy_fix():
    seen = tiny_app().test_client().get("/who", headers=FORWARDED).get_json()
    assert seen["remote"] == "127.0.0.1" and seen["scheme"] == "http"
    assert seen["host"] == "localhost"


@pytest.mark.parametrize("setting", ["1", 1, "true"])
def test_proxy_fix_honours_one_proxy_when_configured(setting):
    seen = tiny_app(PROXY_FIX=setting).test_client().get("/who", headers={
        **FORWARDED, "X-Forwarded-For": "198.51.100.1, 203.0.113.7"}).get_json()
    # One proxy: only the address it appended counts, not what the client claimed before.
    assert seen == {**seen, "remote": "203.0.113.7", "scheme": "https",
                    "host": "fupin.example.gov.cn"}


def test_a_bad_proxy_setting_stops_start_up_naming_the_variable():
    with pytest.raises(ValueError, match="WORKFLOW_PROXY_FIX"):
        tiny_app(PROXY_FIX="nginx")


def test_request_id_in_g_and_header_kept_or_replaced():
    client = tiny_app().test_client()
    kept = client.get("/who", headers={"X-Request-ID": "lb-2f1e:0007"})
    assert kept.get_json()["id"] == kept.headers["X-Request-ID"] == "lb-2f1e:0007"
    for bad in ("short", "x" * 129, "id with spaces", "a\\u2028b-------"):
        replaced = client.get("/who", headers={"X-Request-ID": bad})
        assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-ID"])
        assert replaced.get_json()["id"] == replaced.headers["X-Request-ID"]
    assert client.get("/nowhere").headers["X-Request-ID"]  # a 404 carries one too


def test_the_real_app_ignores_forwarded_for_by_default(app, client, world, caplog):
    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        client.post("/api/v1/auth/token", json={"username": "clerk", "password": "x"},
                    headers={"X-Forwarded-For": "203.0.113.7"})
    line = next(r.getMessage() for r in caplog.records if "login failed" in r.getMessage())
    assert "address=127.0.0.1" in line and "203.0.113.7" not in line


def test_json_formatter_writes_one_object_with_the_request_id(app):
    formatter, text_filter = logs.JsonFormatter(), logs.RequestIdFilter()
    with app.test_request_context("/", environ_base={request_ids.ENVIRON_KEY: "req-abc-0001"}):
        record = logging.LogRecord("workflow", logging.WARNING, __file__, 1,
                                   "refused %s: %r", (403, "/x\n{\"forged\": 1}"), None)
        text_filter.filter(record)
        line = formatter.format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["request_id"] == "req-abc-0001" and entry["level"] == "WARNING"
    assert entry["message"].startswith("refused 403: ") and "forged" in entry["message"]
    with pytest.raises(ValueError, match="WORKFLOW_LOG_FORMAT"):
        logs.init_app(_app_with(LOG_FORMAT="xml"))


def _app_with(**config) -> Flask:
    app = Flask("cfg")
    app.config.update(config)
    return app


def count_statements(app):
    """A list that collects every SQL statement the app's engine runs while attached."""
    seen: list[str] = []

    def collect(conn, cursor, statement, *_args):
        seen.append(statement)
    event.listen(db.engine, "before_cursor_execute", collect)
    return seen, lambda: event.remove(db.engine, "before_cursor_execute", collect)


@pytest.fixture
def builtin_checks_only(monkeypatch):
    """/healthz with app and database only: checks other areas registered (the queue's)
    are set aside for the test and back afterwards."""
    monkeypatch.setattr(health, "_CHECKS", {})


def test_healthz_is_ok_and_touches_only_its_own_query_even_when_logged_in(app, as_user, world,
                                                                         builtin_checks_only):
    browser = as_user("clerk")  # a session cookie that would load the user on any page
    seen, stop = count_statements(app)
    try:
        response = browser.get("/healthz")
    finally:
        stop()
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"app": "ok", "database": "ok"}}
    # No user, session row or setting loaded: only the check's own SELECT 1 (which on
    # PostgreSQL goes straight to the driver as one simple query, past these events).
    assert seen == ([] if db.engine.dialect.name == "postgresql" else ["SELECT 1"])
    assert response.headers["Cache-Control"] == "no-store"


def test_a_failing_check_makes_healthz_503_without_telling_why(app, client, caplog,
                                                               builtin_checks_only):
    def probe():
        raise ConnectionError("probe at 10.0.0.5 unreachable")
    health.register_check("probe", probe)
    health.register_check("spare", lambda: True)
    try:
        with caplog.at_level(logging.WARNING, logger=app.logger.name):
            response = client.get("/healthz")
    finally:
        health.unregister_check("probe")
    assert response.status_code == 503
    assert response.get_json() == {"status": "fail", "checks": {
        "app": "ok", "database": "ok", "probe": "fail", "spare": "ok"}}
    assert "10.0.0.5" not in response.get_data(as_text=True)
    assert any("health check probe failed" in r.getMessage() for r in caplog.records)
    assert client.get("/healthz").status_code == 200  # unregistered again


def test_metrics_in_prometheus_format_with_request_counts_and_case_gauges(app, client, world):
    from tests.cases.test_household_exit import start

    start({"clerk": Api(client, "clerk")}, world)
    client.get("/login")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    families = {f.name: f for f in text_string_to_metric_families(response.get_data(as_text=True))}
    durations = families["flask_http_request_duration_seconds"].samples
    assert any(s.labels.get("endpoint") == "auth.login" for s in durations)
    assert not any(s.labels.get("endpoint", "").startswith("ops_") for s in durations)
    cases = [(s.labels["procedure"], s.value) for s in families["workflow_cases"].samples]
    assert cases == [("household_exit", 1.0)]
    assert families["workflow_active_users"].samples[0].value == len(world.users)


def test_metrics_refuse_other_addresses_unless_they_bear_the_token(app, client):
    outside = {"REMOTE_ADDR": "198.51.100.9"}
    assert client.get("/metrics", environ_base=outside).status_code == 403
    app.config["METRICS_TOKEN"] = "scrape-token-for-tests-0123456789"
    try:
        wrong = client.get("/metrics", environ_base=outside,
                           headers={"Authorization": "Bearer nope"})
        right = client.get("/metrics", environ_base=outside,
                           headers={"Authorization": "Bearer scrape-token-for-tests-0123456789"})
    finally:
        app.config["METRICS_TOKEN"] = None
    assert wrong.status_code == 403 and "无权" in wrong.get_data(as_text=True)
    assert right.status_code == 200


def test_metrics_allow_list_is_checked_at_start_up():
    assert [str(n) for n in parse_networks("10.0.0.0/8, ::1")] == ["10.0.0.0/8", "::1/128"]
    with pytest.raises(ValueError, match="WORKFLOW_METRICS_ALLOW"):
        parse_networks("10.0.0.0/33")
