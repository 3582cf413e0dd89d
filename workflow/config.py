"""Configuration classes; every deployment value can come from the environment."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"WORKFLOW_{name}", default)


class Config:
    """Defaults for a single-machine install on SQLite."""

    # Signs session cookies and CSRF tokens (workflow/auth/keys.py). Production refuses to
    # start without a strong WORKFLOW_SECRET_KEY (>= 32 characters, no placeholder);
    # otherwise an unset key is generated once per install into SECRET_KEY_FILE (default
    # instance/secret_key, mode 0600) and reused; tests draw a random key per process.
    SECRET_KEY = _env("SECRET_KEY")
    SECRET_KEY_FILE = _env("SECRET_KEY_FILE")
    PRODUCTION = False  # strong key required, HSTS sent
    # Seals every trail event (HMAC, workflow/audit/keys.py): a separate secret from
    # SECRET_KEY, kept outside the database; production refuses to start without one.
    # Unset, development keeps a random key per install in AUDIT_KEY_FILE (instance/audit_key).
    AUDIT_KEY = _env("AUDIT_KEY")
    AUDIT_KEY_FILE = _env("AUDIT_KEY_FILE")
    # Where `flask audit checkpoint` appends signed chain heads (default instance/anchors);
    # best on storage the database's users cannot write (another host, append-only).
    AUDIT_ANCHOR_FOLDER = _env("AUDIT_ANCHOR_FOLDER")
    SQLALCHEMY_DATABASE_URI = _env(
        "DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'workflow.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # The daily digest e-mail of unread notifications (workflow/notifications/digest.py):
    # sent through this SMTP server, none while SMTP_HOST is unset. The password comes from
    # the environment only.
    SMTP_HOST = _env("SMTP_HOST")
    SMTP_PORT = int(_env("SMTP_PORT", "25"))
    SMTP_USER = _env("SMTP_USER")
    SMTP_PASSWORD = _env("SMTP_PASSWORD")
    SMTP_STARTTLS = _env("SMTP_STARTTLS", "0") == "1"
    SMTP_TIMEOUT_SECONDS = int(_env("SMTP_TIMEOUT_SECONDS", "30"))
    MAIL_FROM = _env("MAIL_FROM", "noreply@localhost")
    # Text messages (notifications/sms.py): the registered sender's name, e.g. "log";
    # empty: none are sent.
    SMS_SENDER = _env("SMS_SENDER", "")
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
    # Sessions end after SESSION_IDLE_MINUTES without a request and SESSION_ABSOLUTE_HOURS
    # after login, whatever happens in between ("登录已超时，请重新登录").
    SESSION_IDLE_MINUTES = int(_env("SESSION_IDLE_MINUTES", "30"))
    SESSION_ABSOLUTE_HOURS = int(_env("SESSION_ABSOLUTE_HOURS", "12"))
    # Failed logins (browser and API token) are counted per account and per address in the
    # database, shared by every process (workflow/auth/throttle.py). After the free failures
    # each further attempt waits LOGIN_DELAY_SECONDS, doubling per failure up to
    # LOGIN_DELAY_MAX_SECONDS; the right password works once the wait is over. A counter is
    # forgotten after LOGIN_FAILURE_WINDOW_MINUTES without a failure, and an account's on
    # its next successful login. An office shares one address, hence its larger allowance.
    LOGIN_ACCOUNT_FREE_FAILURES = int(_env("LOGIN_ACCOUNT_FREE_FAILURES", "5"))
    LOGIN_ADDRESS_FREE_FAILURES = int(_env("LOGIN_ADDRESS_FREE_FAILURES", "20"))
    LOGIN_DELAY_SECONDS = int(_env("LOGIN_DELAY_SECONDS", "2"))
    LOGIN_DELAY_MAX_SECONDS = int(_env("LOGIN_DELAY_MAX_SECONDS", "300"))
    LOGIN_FAILURE_WINDOW_MINUTES = int(_env("LOGIN_FAILURE_WINDOW_MINUTES", "60"))
    # Rate limits (workflow/auth/limits.py): counted in RATELIMIT_STORAGE_URI, memory:// for
    # the one-process demo, redis://host:6379/0 shared by every app server in production
    # (which refuses memory:// unless RATELIMIT_PER_PROCESS=1). A Redis outage lets
    # requests through (logged); the login throttle above still holds, in the database.
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_PER_PROCESS = _env("RATELIMIT_PER_PROCESS", "0") == "1"
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_HEADERS_ENABLED = False  # our 429 sets Retry-After; the throttle its own
    RATELIMIT_KEY_PREFIX = _env("RATELIMIT_KEY_PREFIX", "workflow")
    LOGIN_RATE_LIMIT = _env("LOGIN_RATE_LIMIT", "60 per minute")  # per address
    PASSWORD_RATE_LIMIT = _env("PASSWORD_RATE_LIMIT", "10 per hour")  # per user
    EXPORT_RATE_LIMIT = _env("EXPORT_RATE_LIMIT", "30 per minute")  # per user
    PAGE_SIZE = 20
    COUNT_CAP = 10_000  # lists count matching rows up to this many ("超过 10,000 条")
    TODO_CHUNK = 100  # to-do candidates checked per query

    # Procedure settings: the defaults a fresh install starts from. Administrators set
    # the values per year (or effective date) and place, each with its document, at
    # /admin/settings or `flask settings set` (workflow/settings; keys in keys.yaml);
    # a value set there wins over these, read through workflow.settings.lookup.
    # Poverty lines are yuan per person per year (national 2016-2020 figures; Anshan
    # tracks 5,000 yuan as its quality bar and may set that instead).
    POVERTY_LINES = {2016: 3000, 2017: 3335, 2018: 3535, 2019: 3747, 2020: 4000}
    NOTICE_DAYS = {
        "household_exit.village_notice": 7,
        "household_exit.township_notice": 7,
        "house_renovation.village_notice": 7,
        "house_renovation.township_notice": 7,
        "house_renovation.county_notice": 5,
        "project_library.village_notice": 7,
        "project_library.township_notice": 7,
        "fund_use.plan_notice": 10,
        "fund_use.acceptance_notice": 7,
        "monitoring_entry.village_notice": 5,
        "risk_removal.village_notice": 5,
        "village_exit.township_notice": 7,
        "village_exit.county_notice": 7,
    }
    # Village exit criteria per place: the longest matching code prefix wins
    # (210283 = 庄河市, whose low-income villages follow the city's own indicator set).
    VILLAGE_EXIT_PROFILES = {"default": "national", "210283": "zhuanghe"}
    # 防止返贫监测: the threshold is MONITORING_FACTOR × the year's line unless a year has
    # its own figure in MONITORING_THRESHOLDS (yuan per person per year).
    MONITORING_FACTOR = 1.5
    MONITORING_THRESHOLDS: dict[int, int] = {}
    # Sector matching: ages of compulsory schooling (义务教育适龄, 6 to 15 years old).
    SCHOOL_AGE = {"min": 6, "max": 15}
    # Oversight: a case in one state longer than this is flagged; board targets per
    # procedure and place code (the Anshan plan: 753 households to exit in 2020).
    FINDING_STALL_DAYS = 60
    # Support coverage: the employment rule's working age, in years (16 to 60 inclusive).
    SUPPORT_WORKING_AGE_MIN = 16
    SUPPORT_WORKING_AGE_MAX = 60
    # 帮扶进展 (workflow/progress): the quality bar households out of poverty are tracked
    # against per quarter (Anshan: 5,000 yuan per person), the households and people the
    # tracking aims to lift (per place; the demo seeds Anshan's 3,482 / 7,979), and the
    # days after a quarter's end during which its months may still be entered.
    PROGRESS_QUALITY_BAR = 5000
    PROGRESS_QUALITY_TARGETS = {"households": {}, "people": {}}
    PROGRESS_CLOSE_DAYS = 5
    BOARD_TARGETS = {"household_exit": {"210300": 753}}
    # Cumulative share of villages out by year, per place (庄河市: 20 % / 70 % / 100 %).
    VILLAGE_EXIT_TARGETS = {"210283": {2018: 20, 2019: 70, 2020: 100}}
    # Deadlines by setting key: month-day per case year ("default" for years not listed).
    DEADLINES = {"house_renovation.completion": {"default": "06-30", 2020: "06-30"}}
    # House renovation (农村危房改造): who qualifies by register status (低保, 特困 and
    # poor households with a disabled member qualify whatever their status), the
    # methods each grade allows, subsidy ceilings in yuan and floor-area bounds in m².
    RENOVATION_ELIGIBLE_STATUSES = ("registered_poor", "exited")
    RENOVATION_METHODS = {"C": ["repair"], "D": ["rebuild", "new_build"]}
    RENOVATION_SUBSIDY = {"C": {"repair": 10000}, "D": {"rebuild": 35000, "new_build": 35000}}
    HOUSE_AREA_LIMITS = {"min_by_size": {1: 20, 2: 30, 3: 40}, "max_small": 60,
                         "per_person_above_3": 18}
    UPLOAD_MAX_BYTES = int(_env("UPLOAD_MAX_BYTES", str(8 * 1024 * 1024)))
    # --- Operations (workflow/ops) ---
    # Reverse proxies in front that set X-Forwarded-For/-Proto/-Host (0: none, the headers
    # are ignored; 1: one nginx). Only then are client addresses (login throttling, rate
    # limits, the security log) and https:// URLs taken from those headers.
    PROXY_FIX = _env("PROXY_FIX", "0")  # parsed in workflow/ops/requests.py
    # Log lines: "json" (one object per line, production default) or "text".
    LOG_FORMAT = _env("LOG_FORMAT", "text")
    LOG_LEVEL = _env("LOG_LEVEL", "INFO")
    # /metrics answers addresses in these networks, or a request bearing METRICS_TOKEN.
    METRICS_ALLOW = _env("METRICS_ALLOW", "127.0.0.1/32,::1/128")
    METRICS_TOKEN = _env("METRICS_TOKEN")
    # /healthz: the database check gives up after this many milliseconds (PostgreSQL).
    HEALTH_DB_TIMEOUT_MS = int(_env("HEALTH_DB_TIMEOUT_MS", "2000"))



class DevelopmentConfig(Config):
    """The README's local demo: SQLite file in instance/, no debugger (it executes code)."""


class TestingConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = _env("TEST_DATABASE_URL", "sqlite:///:memory:")


class ProductionConfig(Config):
    PRODUCTION = True
    SESSION_COOKIE_SECURE = _env("SECURE_COOKIES", "1") == "1"
    LOG_FORMAT = _env("LOG_FORMAT", "json")  # workflow/ops/logs.py


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
