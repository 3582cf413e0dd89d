"""The administrator's archive page (/admin/archive): choose a county, download its
archive, see the exports and imports on the trail (thin: parse, call, render)."""
from __future__ import annotations

import shutil
import tempfile

from flask import Blueprint, Flask, render_template, request, send_file
from flask_login import current_user, login_required
from sqlalchemy import select

from workflow.archive import cli
from workflow.archive.operations import default_name, export, exportable_places, place_for
from workflow.archive.tables import ArchiveError
from workflow.audit.models import AdminEvent
from workflow.engine.errors import Forbidden, Invalid, NotFound
from workflow.extensions import db
from workflow.jurisdictions.scope import scope_filter

archive = Blueprint("archive", __name__, url_prefix="/admin/archive")


def _page(errors: dict | None = None, status: int = 200, selected: str = ""):
    places = exportable_places(current_user)
    events = db.session.execute(
        select(AdminEvent).where(scope_filter(AdminEvent.jurisdiction_path, current_user),
                                 AdminEvent.action.in_(("archive_exported", "archive_imported")))
        .order_by(AdminEvent.id.desc()).limit(50)).scalars().all()
    return render_template("archive/index.html", places=places, events=events,
                           errors=errors or {}, selected=selected), status


@archive.get("")
@login_required
def page():
    if not current_user.is_admin:
        raise Forbidden("只有系统管理员可以导出县级档案（档案含个人信息）")
    return _page()


@archive.post("")
@login_required
def download():
    code = request.form.get("place", "")
    try:
        place = place_for(code, current_user)
    except (Invalid, NotFound) as exc:
        return _page(exc.errors or {"place": [str(exc)]}, 422, code)
    folder = tempfile.mkdtemp(prefix="wf-archive-")
    name = default_name(place)
    try:
        export(place, f"{folder}/{name}", current_user,
               with_files=request.form.get("with_files") == "1")
    except (ArchiveError, Invalid) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return _page({"place": [str(exc)]}, 422, code)
    except Exception:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    response = send_file(f"{folder}/{name}", mimetype="application/zip", as_attachment=True,
                         download_name=name, max_age=0)
    response.headers["Cache-Control"] = "no-store"  # personal data: never cached
    response.call_on_close(lambda: shutil.rmtree(folder, ignore_errors=True))
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(archive)
    cli.init_app(app)
