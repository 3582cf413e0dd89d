"""WSGI entry point for bench_load.py: the real app (``create_app()``), plus a trivial
``/_bench/ping`` route when the app has no ``/healthz`` of its own, so the benchmark always
has the stack's own limit to compare the real paths with."""
from flask import Response

from workflow import create_app

app = create_app()
if not any(rule.rule == "/healthz" for rule in app.url_map.iter_rules()):
    app.add_url_rule("/_bench/ping", "bench_ping", lambda: Response("ok", mimetype="text/plain"))
