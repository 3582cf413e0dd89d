"""The app served the production way: a real gunicorn from deploy/gunicorn.conf.py (through
scripts/serve-production.sh on PostgreSQL) with WORKFLOW_ENV=production and one proxy
configured, on the test database: health, a login and a page, request ids, JSON logs
that carry them, the forwarded client address, and multiprocess metrics."""
from __future__ import annotations

import json
import re

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import DATABASE_URL
from tests.factories import PASSWORD
from tests.production.server import Gunicorn


@pytest.fixture(scope="module")
def server(app):
    """One gunicorn for the module (start-up is the slow part); PROXY_FIX=1 as behind nginx."""
    gunicorn = Gunicorn(DATABASE_URL, app.config["AUDIT_KEY"], WORKFLOW_PROXY_FIX="1")
    try:
        yield gunicorn.wait()
    finally:
        gunicorn.stop()


def json_lines(text: str) -> list[dict]:
    """Every line of a log stream from gunicorn's start on (serve-production.sh and the
    migrations print text before it), each of which must be one JSON object."""
    lines = [line for line in text.splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if "Starting gunicorn" in line)
    return [json.loads(line) for line in lines[start:]]


def test_healthz_answers_ok_with_app_and_database(server):
    response = requests.get(server.url + "/healthz", timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["checks"]["app"] == body["checks"]["database"] == "ok"
    assert set(body["checks"].values()) == {"ok"}  # and any registered (the queue's)
    assert response.headers["Server"] == "gunicorn"
    assert "Set-Cookie" not in response.headers


def test_request_id_round_trip(server):
    sent = requests.get(server.url + "/healthz", headers={"X-Request-ID": "nginx-7f3a9c21"},
                        timeout=10)
    assert sent.headers["X-Request-ID"] == "nginx-7f3a9c21"
    forged = requests.get(server.url + "/healthz", headers={"X-Request-ID": "a b\"c"},
                          timeout=10)
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-ID"])
    fresh = requests.get(server.url + "/healthz", timeout=10).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", fresh) and fresh != forged.headers["X-Request-ID"]


def test_login_and_a_page(server, world):
    browser = requests.Session()
    form = browser.get(server.url + "/login", timeout=10)
    assert form.status_code == 200
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text).group(1)
    done = browser.post(server.url + "/login", data={
        "username": "clerk", "password": PASSWORD, "csrf_token": token},
        allow_redirects=False, timeout=10)
    assert done.status_code == 302, done.text[:500]
    page = browser.get(server.url + "/", timeout=10)
    assert page.status_code == 200
    assert "李秀英" in page.text  # the clerk's own name in the top bar
    assert page.headers["Strict-Transport-Security"]  # the production config is in force


def test_json_logs_carry_the_request_id_and_the_forwarded_address(server, world):
    response = requests.post(server.url + "/api/v1/auth/token",
                             json={"username": "clerk", "password": "wrong-口令"},
                             headers={"X-Request-ID": "drill-req-000042",
                                      "X-Forwarded-For": "203.0.113.7"}, timeout=10)
    assert response.status_code == 401
    assert response.headers["X-Request-ID"] == "drill-req-000042"
    assert all(json_lines(server.stderr()))  # every line on stderr is one JSON object
    failed = [line for line in server.lines("stderr", "drill-req-000042")
              if "login failed" in line["message"]]
    assert failed and failed[0]["logger"] == "workflow" and failed[0]["level"] == "WARNING"
    # PROXY_FIX=1: the security log names the client nginx saw, not the proxy.
    assert "203.0.113.7" in failed[0]["message"] and "wrong" not in failed[0]["message"]
    access = server.lines("stdout", "drill-req-000042")
    assert access and access[0]["logger"] == "gunicorn.access"
    assert access[0]["request_id"] == "drill-req-000042"
    assert access[0]["path"] == "/api/v1/auth/token" and access[0]["status"] == "401"


def test_metrics_sum_the_workers_in_prometheus_format(server, world):
    requests.get(server.url + "/login", timeout=10)
    response = requests.get(server.url + "/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    counts = [s for s in families["flask_http_request_duration_seconds"].samples
              if s.name.endswith("_count") and s.labels.get("endpoint") == "auth.login"]
    assert counts and counts[0].value >= 1
    assert families["workflow_database_up"].samples[0].value == 1
    outside = requests.get(server.url + "/metrics", headers={"X-Forwarded-For": "198.51.100.9"},
                           timeout=10)
    assert outside.status_code == 403  # behind the proxy, a remote client is refused


def test_a_form_post_through_the_proxy_keeps_a_non_default_port(server, world):
    """The headers deploy/nginx/workflow.conf sets for https://<name>:8443/: Host and
    X-Forwarded-Host are ``$http_host``, port included. Flask-WTF's https referrer check
    compares the browser's Referer with ``https://<host>/``, so the login succeeds with the
    port kept and is refused when the proxy drops it (``$host``, the old example)."""
    site = "workflow.example.gov.cn:8443"

    def login(forwarded_host: str) -> requests.Response:
        proxy = {"Host": forwarded_host, "X-Forwarded-Host": forwarded_host,
                 "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.8"}
        browser = requests.Session()
        form = browser.get(server.url + "/login", headers=proxy, timeout=10)
        assert form.status_code == 200
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text).group(1)
        return browser.post(server.url + "/login", data={
            "username": "clerk", "password": PASSWORD, "csrf_token": token},
            headers={**proxy, "Referer": f"https://{site}/login"},
            allow_redirects=False, timeout=10)

    kept = login(site)
    assert kept.status_code == 302, kept.text[:500]
    dropped = login("workflow.example.gov.cn")
    assert dropped.status_code == 400 and "表单校验失败" in dropped.text
