"""gunicorn settings for the approval engine: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``
(scripts/serve-production.sh does that after its checks). Every value can be overridden
from the environment (the systemd unit reads deploy/workflow.env.example's variables):

WORKFLOW_BIND / GUNICORN_BIND          address(es), comma-separated (127.0.0.1:8000)
WORKFLOW_WEB_WORKERS / GUNICORN_WORKERS processes (cores + 1, at most 17)
WORKFLOW_WEB_THREADS                   threads per process (1: sync workers)
WORKFLOW_WEB_TIMEOUT                   seconds a request may take before its worker is
                                       killed and replaced (60)
WORKFLOW_WEB_GRACEFUL_TIMEOUT          seconds running requests get on reload/stop (30)
WORKFLOW_WEB_KEEPALIVE                 idle keep-alive seconds toward nginx (5)
WORKFLOW_WEB_MAX_REQUESTS              a worker is recycled after this many requests,
                                       ± WORKFLOW_WEB_MAX_REQUESTS_JITTER (2000 ± 200; 0: never)
WORKFLOW_WEB_PRELOAD                   1 (default): the app is built once in the master and
                                       workers are forked from it; 0: each worker builds its own
WORKFLOW_FORWARDED_ALLOW_IPS           proxies whose X-Forwarded-* gunicorn trusts
                                       (127.0.0.1,::1); the app's own PROXY_FIX decides
                                       what Flask believes
WORKFLOW_LOG_FORMAT                    json (production) or text, for gunicorn's lines too
WORKFLOW_WEB_CONTROL_SOCKET            gunicorn's control socket path (none unless set)
PROMETHEUS_MULTIPROC_DIR               where workers share request metrics (a fresh
                                       temporary directory unless set; emptied at start)
"""
from __future__ import annotations

import gc
import glob
import multiprocessing
import os
import shutil
import tempfile


def _env(*names: str, default: str) -> str:
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    return default


def _workers() -> int:
    configured = _env("WORKFLOW_WEB_WORKERS", "GUNICORN_WORKERS", default="")
    if configured:
        return max(1, int(configured))
    # cores + 1, not gunicorn's starting point of 2 × cores + 1: on a 2-core host with
    # PostgreSQL beside the app, 3 sync workers served 346-357 sign-offs/s against 214-249
    # with 5, and the pages 15-30 % more (docs/benchmarks.md, 2026-12-07): the extra
    # processes only took CPU from each other and from the database. With the database
    # on another host each request waits longer on it; more workers may then pay.
    return min(multiprocessing.cpu_count() + 1, 17)


wsgi_app = "wsgi:app"
bind = [b.strip() for b in _env("WORKFLOW_BIND", "GUNICORN_BIND",
                                default="127.0.0.1:8000").split(",") if b.strip()]
workers = _workers()
threads = int(_env("WORKFLOW_WEB_THREADS", default="1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(_env("WORKFLOW_WEB_TIMEOUT", default="60"))
graceful_timeout = int(_env("WORKFLOW_WEB_GRACEFUL_TIMEOUT", default="30"))
keepalive = int(_env("WORKFLOW_WEB_KEEPALIVE", default="5"))
max_requests = int(_env("WORKFLOW_WEB_MAX_REQUESTS", default="2000"))
max_requests_jitter = int(_env("WORKFLOW_WEB_MAX_REQUESTS_JITTER", default="200"))
# Built once in the master: a recycled or killed worker is a fork (milliseconds) instead of
# a fresh create_app (seconds of CPU, which under load came out of the requests' share).
preload_app = _env("WORKFLOW_WEB_PRELOAD", default="1") == "1"
forwarded_allow_ips = _env("WORKFLOW_FORWARDED_ALLOW_IPS", default="127.0.0.1,::1")
# Heartbeat files in memory, not on a disk that may stall (gunicorn's advice for containers).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
proc_name = "workflow-web"
# gunicorn 24+'s control socket defaults to one path per user, which a second instance on
# the same host (two nodes on loopback, a test) would fight over: off unless a path is set.
control_socket = _env("WORKFLOW_WEB_CONTROL_SOCKET", default="") or None
control_socket_disable = control_socket is None
# Request bodies are bounded by nginx and MAX_CONTENT_LENGTH; header limits stay default.

# Logs: access lines on stdout, gunicorn's own on stderr; the request id is the response's
# X-Request-ID header (workflow/ops/requests.py), so nginx, gunicorn and app lines match.
accesslog = "-"
errorlog = "-"
access_log_format = ('%(h)s "%(r)s" %(s)s %(B)s %(M)sms '
                     'rid=%({x-request-id}o)s ua="%(a)s"')
if _env("WORKFLOW_LOG_FORMAT", default="json" if os.environ.get("WORKFLOW_ENV") ==
        "production" else "text") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "workflow.ops.logs.JsonFormatter"}},
        "handlers": {
            "access": {"class": "logging.StreamHandler", "formatter": "json",
                       "stream": "ext://sys.stdout"},
            "error": {"class": "logging.StreamHandler", "formatter": "json",
                      "stream": "ext://sys.stderr"},
        },
        "root": {"level": "WARNING", "handlers": []},  # the app adds its own (ops/logs.py)
        "loggers": {
            "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
            "gunicorn.error": {"handlers": ["error"], "level": "INFO", "propagate": False},
        },
    }

# Prometheus multiprocess mode: set before any worker imports prometheus_client.
_OWN_METRICS_DIR = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _OWN_METRICS_DIR:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="workflow-metrics-")


def on_starting(server) -> None:
    """Start from an empty metrics directory (files of an earlier run would be summed)."""
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(directory, exist_ok=True)
    for path in glob.glob(os.path.join(directory, "*.db")):
        os.remove(path)


def _dispose_pools(server, *, close: bool) -> None:
    if not server.cfg.preload_app:
        return
    from workflow.extensions import db

    with server.app.wsgi().app_context():
        for engine in db.engines.values():
            engine.dispose(close=close)


def when_ready(server) -> None:
    """The master built the app (preload) and may have opened database connections doing
    so: close them before any worker is forked, so no two processes share a socket. The
    app's objects are then frozen (``gc.freeze``, as the gc module's documentation advises
    before a fork): the workers' collections skip them and leave their pages shared."""
    _dispose_pools(server, close=True)
    if server.cfg.preload_app:
        gc.collect()
        gc.freeze()


def post_fork(server, worker) -> None:
    """A forked worker forgets any pooled connection it inherited, without closing it (it
    would be the master's): its pool opens its own on first use."""
    _dispose_pools(server, close=False)


def child_exit(server, worker) -> None:
    """A worker ended (recycled, killed on timeout): its live gauges stop counting."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    """Remove the metrics directory this config created (not one the operator set)."""
    if _OWN_METRICS_DIR:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
