"""The secret key that signs session cookies and CSRF tokens, chosen once in create_app.

Anyone who knows the key can sign a session for any user, so it is never a constant in the
source: production refuses to start without a strong WORKFLOW_SECRET_KEY, development keeps
a random key per install in the instance folder, and tests draw one per process.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

MIN_LENGTH = 32
# Values seen in this project's history and in tutorials; refused even when long enough.
WEAK_KEYS = {"dev-only-change-me", "change-me", "changeme", "secret", "secret-key",
             "development", "dev", "test", "testing", "please-change-me"}


class SecretKeyError(RuntimeError):
    """The configured key cannot protect sessions; the app must not start with it."""


def weakness(key: str | None) -> str | None:
    """Why ``key`` is too weak for production, or None when it is acceptable."""
    if not key:
        return "WORKFLOW_SECRET_KEY is not set"
    if key.strip().lower() in WEAK_KEYS:
        return "WORKFLOW_SECRET_KEY is a well-known placeholder"
    if len(key) < MIN_LENGTH:
        return f"WORKFLOW_SECRET_KEY is shorter than {MIN_LENGTH} characters"
    if len(set(key)) < 8:  # "aaaa…" or "abab…" passes the length test only
        return "WORKFLOW_SECRET_KEY has too few distinct characters"
    return None


def configure_secret_key(app: Flask) -> None:
    """Set ``app.secret_key`` or raise SecretKeyError (production without a strong key)."""
    key = app.config.get("SECRET_KEY")
    if app.config.get("PRODUCTION"):
        problem = weakness(key)
        if problem:
            raise SecretKeyError(
                f"{problem}: production refuses to start. Set WORKFLOW_SECRET_KEY to a random "
                f"value of at least {MIN_LENGTH} characters, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`.")
        return
    if key:
        return
    if app.config.get("TESTING"):
        app.config["SECRET_KEY"] = secrets.token_urlsafe(48)
        return
    path = Path(app.config.get("SECRET_KEY_FILE") or Path(app.instance_path) / "secret_key")
    app.config["SECRET_KEY"] = install_key(path)


def install_key(path: Path) -> str:
    """The key kept in ``path``, created (mode 0600) on first use.

    The new key is written to a private temporary file and linked into place, so two
    processes starting together either create it or read the complete file of the other.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # another process won the race; use its key
        finally:
            temporary.unlink(missing_ok=True)
    key = path.read_text().strip()
    if weakness(key):
        raise SecretKeyError(f"{path} does not hold a usable key; delete it to have a new "
                             "one generated (every signed-in user must then log in again)")
    return key
