"""The audit key: a secret held outside the database that seals every chained event.

Each event's SHA-256 ``hash`` covers its content and the previous hash; its ``mac`` is
HMAC-SHA256 of that hash under this key. Anyone who can write to the database can edit a
row and recompute the plain hashes of the rest of the chain, but without the key cannot
produce the macs, so ``audit verify`` reports the rewrite. The key comes from
WORKFLOW_AUDIT_KEY, or from a key file (WORKFLOW_AUDIT_KEY_FILE, default
instance/audit_key) that development generates on first use; production refuses to start
without one; tests draw one per process. It is a different secret from SECRET_KEY:
rotating the session key must not unseal the trail.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile

from flask import Flask, current_app

MIN_KEY_LENGTH = 32
_EXTENSION = "workflow.audit_key"


class AuditKeyError(RuntimeError):
    """The audit key is missing or too weak where one is required."""


def init_app(app: Flask) -> None:
    """Load (or, outside production, create) the key once, so a bad key stops start-up.
    Tests get their own key and checkpoint folder, never the install's."""
    if app.config.get("TESTING"):
        app.config.setdefault("AUDIT_KEY", None)
        app.config["AUDIT_KEY"] = app.config["AUDIT_KEY"] or secrets.token_hex(32)
        if not app.config.get("AUDIT_ANCHOR_FOLDER"):
            app.config["AUDIT_ANCHOR_FOLDER"] = tempfile.mkdtemp(prefix="wf-anchors-")
    app.extensions[_EXTENSION] = load_key(app)


def load_key(app: Flask) -> bytes:
    """The configured key: the setting, else the key file, else (not in production) a
    fresh random key written to the key file with owner-only permissions."""
    value = app.config.get("AUDIT_KEY")
    path = app.config.get("AUDIT_KEY_FILE") or os.path.join(app.instance_path, "audit_key")
    if not value and os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            value = handle.read().strip()
    if not value:
        if app.config.get("PRODUCTION"):
            raise AuditKeyError(
                "生产模式必须设置审计密钥：WORKFLOW_AUDIT_KEY 或 WORKFLOW_AUDIT_KEY_FILE "
                f"（至少 {MIN_KEY_LENGTH} 个字符，与 WORKFLOW_SECRET_KEY 不同）")
        value = _create_key_file(path)
    if len(value) < MIN_KEY_LENGTH:
        raise AuditKeyError(f"审计密钥太短：至少 {MIN_KEY_LENGTH} 个字符")
    if value == app.config.get("SECRET_KEY"):
        raise AuditKeyError("审计密钥不得与 WORKFLOW_SECRET_KEY 相同")
    return value.encode()


def _create_key_file(path: str) -> str:
    """Write a new random key (mode 0600) unless another process just did; return the
    file's key. Written to a private file and linked into place, so a process starting
    at the same moment reads either no file or a complete one."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    temporary = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # a concurrent first start won the race: use its key
    finally:
        os.unlink(temporary)
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip()


def _key() -> bytes:
    app = current_app._get_current_object()
    if _EXTENSION not in app.extensions:
        init_app(app)
    return app.extensions[_EXTENSION]


def mac(text: str, key: bytes | None = None) -> str:
    """HMAC-SHA256 of ``text`` (an event hash, a checkpoint body) under the audit key
    (or under ``key``: another installation's, when an archive is re-sealed)."""
    return hmac.new(key or _key(), text.encode(), hashlib.sha256).hexdigest()


def key_id(key: bytes | None = None) -> str:
    """A short public name of the key (so a verify with another key says so once)."""
    return hashlib.sha256(b"wf-audit-key-id:" + (key or _key())).hexdigest()[:12]


def matches(text: str, expected: str | None) -> bool:
    return expected is not None and hmac.compare_digest(mac(text), expected)
