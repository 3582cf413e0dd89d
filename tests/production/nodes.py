"""Two app nodes on loopback for the two-node proof: gunicorn processes (and queue workers)
started against the test database and a shared Redis, each in its own process group,
killed whole at the end; ``race`` sends requests released at the same instant.

Ports come from WORKFLOW_TEST_PORTS (first-last, default 5140-5159); Redis from
WORKFLOW_TEST_REDIS_URL (default redis://127.0.0.1:6379/1). Without Redis a test skips on
a developer's machine and fails in CI (CI=true), where .ci/run starts it.
"""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
REDIS_URL = os.environ.get("WORKFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
STARTUP_SECONDS = 90


def need_redis() -> str:
    """The Redis URL, after a PING; skip without it (fail in CI, which must have it)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        reason = f"needs Redis at {REDIS_URL} (apt install redis-server): {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return REDIS_URL


def free_ports(count: int) -> list[int]:
    """``count`` ports of our range that nothing listens on."""
    first, last = (int(p) for p in os.environ.get("WORKFLOW_TEST_PORTS", "5140-5159")
                   .split("-"))
    found = []
    for port in range(first, last + 1):
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    raise RuntimeError(f"no {count} free ports in {first}-{last}")


@dataclass
class Process:
    """A started command in its own process group, its output in a file."""

    name: str
    popen: subprocess.Popen
    log: Path

    def output(self, tail: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-tail:] if self.log.exists() else ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole group (gunicorn's arbiter and its workers, or a worker)."""
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.kill(signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        self.kill(signal.SIGKILL)  # whatever of the group is left
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


@dataclass
class Cluster:
    """Nodes (base URLs) and workers sharing one database, one Redis and one file store."""

    env: dict[str, str]
    folder: Path
    nodes: list[str] = field(default_factory=list)
    processes: list[Process] = field(default_factory=list)

    def start(self, name: str, command: list[str], **extra: str) -> Process:
        log = self.folder / f"{name}.log"
        with open(log, "wb") as out:
            popen = subprocess.Popen(command, cwd=ROOT, env={**self.env, **extra}, stdout=out,  # noqa: S603
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def start_node(self, port: int, workers: int = 2) -> Process:
        """gunicorn with deploy/gunicorn.conf.py (plain flags where it is absent)."""
        bind = f"127.0.0.1:{port}"
        if GUNICORN_CONF.exists():
            return self.start(f"node-{port}", [sys.executable, "-m", "gunicorn", "-c",
                                               str(GUNICORN_CONF)],
                              WORKFLOW_BIND=bind, WORKFLOW_WEB_WORKERS=str(workers))
        return self.start(f"node-{port}", [sys.executable, "-m", "gunicorn", "-w",
                                           str(workers), "-b", bind, "wsgi:app"])

    def start_worker(self, name: str) -> Process:
        return self.start(name, [sys.executable, "-m", "flask", "--app", "wsgi:app", "jobs",
                                 "worker", "--name", name])

    def wait_ready(self, url: str, process: Process) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise RuntimeError(f"{process.name} exited:\n{process.output()}")
            try:
                if requests.get(f"{url}/login", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{process.name} not ready in {STARTUP_SECONDS} s:\n"
                           f"{process.output()}")

    def stop(self) -> None:
        for process in self.processes:
            process.stop()

    def reset_limits(self) -> None:
        """Forget the rate-limit counts of this cluster (its own key prefix only)."""
        import redis

        store = redis.Redis.from_url(self.env["WORKFLOW_RATELIMIT_STORAGE_URI"])
        prefix = self.env["WORKFLOW_RATELIMIT_KEY_PREFIX"]
        keys = list(store.scan_iter(f"*{prefix}*", count=1000))
        if keys:
            store.delete(*keys)


def cluster_env(app, redis_url: str, folder: Path, **settings: str) -> dict[str, str]:
    """The environment every process of the cluster shares: the test database, production
    mode with the keys from the environment, the shared Redis (under a prefix of its own,
    so runs do not count into each other) and one folder for uploads and job files."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKFLOW_")}
    env.update({
        "WORKFLOW_ENV": "production",
        "WORKFLOW_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "WORKFLOW_SECRET_KEY": secrets.token_urlsafe(32),
        "WORKFLOW_AUDIT_KEY": app.config["AUDIT_KEY"],
        "WORKFLOW_RATELIMIT_STORAGE_URI": redis_url,
        "WORKFLOW_RATELIMIT_KEY_PREFIX": f"wf-two-nodes-{secrets.token_hex(6)}",
        "WORKFLOW_SECURE_COOKIES": "0",  # plain HTTP on loopback
        "WORKFLOW_PUBLIC_BASE_URL": "http://127.0.0.1",
        "WORKFLOW_UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
        "WORKFLOW_JOBS_FOLDER": str(folder / "jobs"),
        "WORKFLOW_LOG_FORMAT": "text",
        "PYTHONPATH": str(ROOT),
    })
    env.update({f"WORKFLOW_{k}": v for k, v in settings.items()})
    return env


def start_cluster(app, nodes: int = 2, workers: int = 0, **settings: str) -> Cluster:
    """Start ``nodes`` gunicorn servers (and ``workers`` queue workers); ready on return.
    The caller stops it (``Cluster.stop``) in a finally or fixture teardown."""
    redis_url = need_redis()
    folder = Path(tempfile.mkdtemp(prefix="wf-two-nodes-"))
    cluster = Cluster(cluster_env(app, redis_url, folder, **settings), folder)
    try:
        started = [(f"http://127.0.0.1:{port}", cluster.start_node(port))
                   for port in free_ports(nodes)]
        for index in range(workers):
            cluster.start_worker(f"worker-{index + 1}")
        for url, process in started:
            cluster.wait_ready(url, process)
            cluster.nodes.append(url)
        return cluster
    except BaseException:
        cluster.stop()
        raise


def token(node: str, username: str, password: str) -> dict[str, str]:
    """Bearer headers for ``username``, the token issued by ``node``."""
    answer = requests.post(f"{node}/api/v1/auth/token",
                           json={"username": username, "password": password}, timeout=30)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def race(pairs: list[list[tuple[str, str, dict, dict]]], parallel: int = 4,
         timeout: float = 60) -> list[list[Any]]:
    """For each group of requests (method, url, headers, json), send them all released at
    the same instant (one thread each, a barrier); ``parallel`` groups in flight. The
    answers (status, json) per group, in the group's order."""
    def group(requests_: list[tuple[str, str, dict, dict]]) -> list[Any]:
        barrier = threading.Barrier(len(requests_), timeout=timeout)
        answers: list[Any] = [None] * len(requests_)

        def send(index: int) -> None:
            method, url, headers, body = requests_[index]
            barrier.wait()
            try:
                answer = requests.request(method, url, headers=headers, json=body,
                                          timeout=timeout)
                answers[index] = (answer.status_code, answer.json())
            except (requests.RequestException, ValueError) as exc:
                answers[index] = (None, repr(exc))
        threads = [threading.Thread(target=send, args=(i,)) for i in range(len(requests_))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout)
        return answers

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        return list(pool.map(group, pairs))
