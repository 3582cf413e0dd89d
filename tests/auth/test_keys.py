"""The session-signing key: never the constant that once sat in the source."""
from __future__ import annotations

import os
import stat

import pytest

from workflow import create_app
from workflow.auth.keys import SecretKeyError

OLD_CONSTANT = "dev-only-change-me"
STRONG = "x7Qp-9vLr2Ks8mWz4Tn6Yb3Hd5Jf1Gc0Ae"


def _app(monkeypatch, env: str, tmp_path, **settings):
    monkeypatch.setenv("WORKFLOW_ENV", env)
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/unused.sqlite",
                       **settings})


@pytest.mark.parametrize("key", [None, "", OLD_CONSTANT, "short-but-random-9f3a",
                                 "a" * 40, "change-me"])
def test_production_refuses_to_start_without_a_strong_key(monkeypatch, tmp_path, key):
    with pytest.raises(SecretKeyError, match="WORKFLOW_SECRET_KEY"):
        _app(monkeypatch, "production", tmp_path, SECRET_KEY=key)


def test_production_starts_with_a_strong_key_and_keeps_it(monkeypatch, tmp_path):
    app = _app(monkeypatch, "production", tmp_path, SECRET_KEY=STRONG,
               AUDIT_KEY="another-" + STRONG[::-1],  # the trail's key (issue 13, item 6)
               RATELIMIT_PER_PROCESS=True)  # memory:// accepted: one process
    assert app.secret_key == STRONG


def test_development_generates_one_private_key_per_install(monkeypatch, tmp_path):
    key_file = tmp_path / "instance" / "secret_key"
    first = _app(monkeypatch, "development", tmp_path, SECRET_KEY=None,
                 SECRET_KEY_FILE=str(key_file))
    second = _app(monkeypatch, "development", tmp_path, SECRET_KEY=None,
                  SECRET_KEY_FILE=str(key_file))
    assert first.secret_key == second.secret_key == key_file.read_text().strip()
    assert first.secret_key != OLD_CONSTANT and len(first.secret_key) >= 32
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    other_install = _app(monkeypatch, "development", tmp_path, SECRET_KEY=None,
                         SECRET_KEY_FILE=str(tmp_path / "other" / "secret_key"))
    assert other_install.secret_key != first.secret_key


def test_a_damaged_key_file_stops_development(monkeypatch, tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text(OLD_CONSTANT)
    with pytest.raises(SecretKeyError, match="delete it"):
        _app(monkeypatch, "development", tmp_path, SECRET_KEY=None,
             SECRET_KEY_FILE=str(key_file))


def test_tests_draw_a_random_key_per_app(monkeypatch, tmp_path, app):
    one = _app(monkeypatch, "development", tmp_path, SECRET_KEY=None, TESTING=True)
    two = _app(monkeypatch, "development", tmp_path, SECRET_KEY=None, TESTING=True)
    assert one.secret_key != two.secret_key
    assert OLD_CONSTANT not in (one.secret_key, two.secret_key, app.secret_key)
