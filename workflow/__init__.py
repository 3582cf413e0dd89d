"""Approval engine for rural poverty-exit and house-renovation procedures."""
from __future__ import annotations

import importlib
import os

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from workflow.config import CONFIGS
from workflow.extensions import csrf, db, limiter, login_manager, migrate

# The modules whose decorators register each area's guards, effects and case subjects in
# workflow.engine.registry; imported by the factory so the engine imports no area.
RULE_MODULES = (
    "workflow.notices.operations",
    "workflow.registry.household_rules",
    "workflow.housing.rules",
    "workflow.projects.rules",
    "workflow.villages.rules",
    "workflow.monitoring.rules",
    "workflow.problems.rules",
)


def create_app(config: str | dict | None = None) -> Flask:
    """Build the application; ``config`` is a config name or a dict of overrides."""
    app = Flask(__name__, instance_relative_config=True,
                template_folder=os.path.join(os.path.dirname(__file__), "..", "templates"))
    name = config if isinstance(config, str) else os.environ.get("WORKFLOW_ENV", "development")
    app.config.from_object(CONFIGS[name])
    if isinstance(config, dict):
        app.config.update(config)
    os.makedirs(app.instance_path, exist_ok=True)
    from workflow import ops

    ops.init_app(app)  # request ids, ProxyFix, logs, /healthz, /metrics (first: times all)
    from workflow.api import inputs

    inputs.init_app(app)  # before any route: every <int:...> is bounded; no NUL in input
    from workflow.auth import headers, keys

    keys.configure_secret_key(app)  # production without a strong key stops here
    headers.init_app(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..",
                                                     "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)

    for module in RULE_MODULES:
        importlib.import_module(module)
    from workflow.engine.definitions import load_catalog
    app.extensions["workflow.catalog"] = load_catalog(app.config["STATES_FOLDER"],
                                                      app.config["FORMS_FOLDER"])

    from workflow import cli, documents, web
    from workflow.api.views import api
    from workflow.auth.views import auth
    from workflow.cases.views import cases

    app.register_blueprint(auth)
    app.register_blueprint(cases)
    from workflow.cases.supervision import supervision, supervision_api

    app.register_blueprint(supervision)  # /supervision (督办): over-limit cases below
    app.register_blueprint(supervision_api)  # POST /api/v1/cases/<id>/supervision
    csrf.exempt(supervision_api)
    app.register_blueprint(api)
    csrf.exempt(api)
    from workflow.api import docs_page

    docs_page.init_app(app)  # /api/v1/docs: Swagger UI from the packaged bundle
    from workflow.evidence.views import evidence, evidence_api
    from workflow.housing.views import housing, housing_api
    from workflow.projects import edit_views as _project_edits  # noqa: F401 (joins the two)
    from workflow.projects.views import projects, projects_api

    for blueprint in (evidence, evidence_api, housing, housing_api, projects, projects_api):
        app.register_blueprint(blueprint)
    from workflow.registry import views as register_views

    register_views.init_app(app)
    from workflow.monitoring import views as monitoring_views

    monitoring_views.init_app(app)
    from workflow import support

    support.init_app(app)  # 帮扶措施, coverage rules, /support/board and their API
    from workflow import progress

    progress.init_app(app)  # 帮扶进展: monthly entries, /progress/board, quarters, API
    from workflow.problems import views as problem_views

    problem_views.init_app(app)  # 问题排查整改: /problems 台账, 问题登记, from findings, API
    from workflow.villages import views as village_views

    village_views.init_app(app)
    from workflow.villages import page_views as village_page_views

    village_page_views.init_app(app)  # /villages/<code>, /boards/villages (drill-down)
    from workflow.oversight import views as oversight_views

    oversight_views.init_app(app)
    from workflow.archive import views as archive_views

    archive_views.init_app(app)  # /admin/archive, flask archive export|import
    from workflow.admin import views as admin_views

    admin_views.init_app(app)  # /admin/users, /account, /oversight/admin-trail and their API
    from workflow.admin import procedures as procedure_views

    procedure_views.init_app(app)  # /admin/procedures: versions, moving running cases, API
    from workflow.cards import views as card_views

    card_views.init_app(app)  # 明白卡: card.pdf, a village's cards as a job, /verify/card
    from workflow.household_files import views as household_file_views

    household_file_views.init_app(app)  # 一户一档: the packages as jobs, their check page
    from workflow.jurisdictions import views as place_views

    place_views.init_app(app)  # /admin/places, flask places ...
    from workflow.settings import views as settings_views

    settings_views.init_app(app)  # /admin/settings, its API, CLI and the banner
    from workflow.calendar import views as calendar_views

    calendar_views.init_app(app)  # /admin/calendar, flask calendar, audit verify's check
    from workflow import sectors

    sectors.init_app(app)  # /sectors 行业数据比对, flask sectors, its chain in audit verify
    # flask places designate|designate-file, and the village_designations model
    from workflow.villages import commands as _designation_commands  # noqa: F401

    web.init_app(app)
    cli.init_app(app)
    from workflow.auth import commands as auth_commands

    auth_commands.init_app(app)  # flask users password / deactivate
    documents.init_app(app)
    from workflow import jobs

    jobs.init_app(app)  # background jobs: the queue, 我的任务, /api/v1/jobs, flask jobs
    from workflow import comments, notifications

    notifications.init_app(app)  # 通知: hook on case events, page, API, top-bar count
    comments.init_app(app)  # 批注 on the case page and API, their chain in audit verify
    from workflow.audit import chain, funds

    chain.register_check(funds.verify)  # the fund sources' chains in audit verify
    from workflow import offline

    offline.init_app(app)  # 外业采集 /offline: the offline page, its worker, drafts sent once
    from workflow import delegation

    delegation.init_app(app)  # 授权代办: 我的授权, /admin/delegations, API, 代签 in sign-offs
    from workflow.audit import keys as audit_keys

    audit_keys.init_app(app)  # production without an audit key stops here
    from workflow.auth import limits

    limits.init_app(app)  # after every view: limits login, password, exports; shared store
    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Foreign keys on, WAL for concurrent readers, a wait instead of 'database is locked'.

    synchronous=NORMAL in WAL mode cannot corrupt the file; it only lets a power cut lose
    the last commits before a checkpoint, and saves an fsync per sign-off (3 ms here).
    """
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()
