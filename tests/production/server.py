"""A real gunicorn for the production tests: started from deploy/gunicorn.conf.py (through
scripts/serve-production.sh on PostgreSQL, the documented command), on the test database,
with its stdout and stderr kept for the log assertions."""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port(first: int = 5100, last: int = 5119) -> int:
    """A port of this test area's range (5100-5119) nothing listens on."""
    import socket

    for port in range(first, last + 1):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 5100-5119")


class Gunicorn:
    """One gunicorn master with its workers; ``url`` once :meth:`wait` returns."""

    def __init__(self, database_url: str, audit_key: str, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.out = tempfile.NamedTemporaryFile(prefix="wf-gunicorn-out-", delete=False)
        self.err = tempfile.NamedTemporaryFile(prefix="wf-gunicorn-err-", delete=False)
        self.env = {**os.environ, "WORKFLOW_ENV": "production",
                    "WORKFLOW_DATABASE_URL": database_url,
                    "WORKFLOW_SECRET_KEY": secrets.token_urlsafe(40),
                    "WORKFLOW_AUDIT_KEY": audit_key,
                    "WORKFLOW_BIND": f"127.0.0.1:{self.port}", "WORKFLOW_WEB_WORKERS": "1",
                    "WORKFLOW_SECURE_COOKIES": "0",  # plain http on loopback
                    "WORKFLOW_RATELIMIT_PER_PROCESS": "1",
                    "WORKFLOW_UPLOAD_FOLDER": tempfile.mkdtemp(prefix="wf-prod-uploads-"),
                    "WORKFLOW_AUDIT_ANCHOR_FOLDER": tempfile.mkdtemp(prefix="wf-prod-anchors-")}
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.env.update(env)
        if database_url.startswith("postgresql"):
            command = ["bash", str(ROOT / "scripts" / "serve-production.sh")]
        else:  # the production script insists on PostgreSQL; same config file on SQLite
            command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c",
                       str(ROOT / "deploy" / "gunicorn.conf.py"), "wsgi:app"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self.out,  # noqa: S603
                                        stderr=self.err, start_new_session=True)

    def wait(self, timeout: float = 120) -> Gunicorn:
        """Until /healthz answers (app start-up takes seconds on a loaded machine)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited {self.process.returncode}:\n{self.stderr()}")
            try:  # the master accepts before a worker has loaded the app: reads time out
                if requests.get(self.url + "/healthz", timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer in {timeout} s:\n{self.stderr()}")

    def lines(self, stream: str, request_id: str, timeout: float = 10) -> list[dict]:
        """The JSON log lines of ``stream`` ("stdout": access, "stderr": app) that carry
        ``request_id``, waiting for the first (the access line follows the response)."""
        import json

        deadline = time.monotonic() + timeout
        while True:
            text = self.stdout() if stream == "stdout" else self.stderr()
            found = [json.loads(line) for line in text.splitlines()
                     if line.strip() and request_id in line]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def stdout(self) -> str:
        return Path(self.out.name).read_text(encoding="utf-8", errors="replace")

    def stderr(self) -> str:
        return Path(self.err.name).read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """SIGINT to the master, SIGKILL to the group if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # quick shutdown: nothing is running
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        for handle in (self.out, self.err):
            handle.close()
            os.unlink(handle.name)
