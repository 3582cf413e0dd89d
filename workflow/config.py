"""Configuration classes; every deployment value can come from the environment."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"WORKFLOW_{name}", default)


class Config:
    """Defaults for a single-machine install on SQLite."""

    SECRET_KEY = _env("SECRET_KEY", "dev-only-change-me")
    SQLALCHEMY_DATABASE_URI = _env(
        "DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'workflow.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    UPLOAD_FOLDER = _env("UPLOAD_FOLDER", str(ROOT / "instance" / "uploads"))
    STATES_FOLDER = _env("STATES_FOLDER", str(ROOT / "states"))
    FORMS_FOLDER = _env("FORMS_FOLDER", str(ROOT / "forms"))
    # Requests larger than this are refused with 413 before they are parsed.
    MAX_CONTENT_LENGTH = int(_env("MAX_CONTENT_LENGTH", str(10 * 1024 * 1024)))
    MAX_JSON_BYTES = int(_env("MAX_JSON_BYTES", str(256 * 1024)))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env("SECURE_COOKIES", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None
    API_TOKEN_HOURS = int(_env("API_TOKEN_HOURS", "12"))
    LOGIN_LIMIT = _env("LOGIN_LIMIT", "10 per 5 minutes")
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    PAGE_SIZE = 20

    # Procedure settings: policy figures that differ between places and years.
    # Poverty lines are yuan per person per year (national 2016-2020 figures; Anshan
    # tracks 5,000 yuan as its quality bar and may set that instead).
    POVERTY_LINES = {2016: 3000, 2017: 3335, 2018: 3535, 2019: 3747, 2020: 4000}
    NOTICE_DAYS = {
        "household_exit.village_notice": 7,
        "household_exit.township_notice": 7,
    }


class DevelopmentConfig(Config):
    """The README's local demo: SQLite file in instance/, no debugger (it executes code)."""


class TestingConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = _env("TEST_DATABASE_URL", "sqlite:///:memory:")
    LOGIN_LIMIT = "5 per minute"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = _env("SECURE_COOKIES", "1") == "1"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
