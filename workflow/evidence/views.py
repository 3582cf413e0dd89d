"""Uploading and fetching evidence, in the browser and in the API; always scope-checked."""
from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from workflow.api.views import token_required
from workflow.cases.models import Case
from workflow.cases.presenters import case_page
from workflow.engine.errors import Invalid, NotFound, WorkflowError
from workflow.engine.fields import parse_int, utc_iso
from workflow.evidence.capture import read_capture
from workflow.evidence.models import Attachment
from workflow.evidence.operations import attach, attachments_of, storage_path
from workflow.extensions import csrf, db
from workflow.jurisdictions.scope import get_in_scope

evidence = Blueprint("evidence", __name__)
evidence_api = Blueprint("evidence_api", __name__, url_prefix="/api/v1")
csrf.exempt(evidence_api)


def _upload(case: Case, user) -> Attachment:
    file = request.files.get("file")
    if file is None or not file.filename:
        raise Invalid("请选择要上传的文件", {"file": ["「文件」为必填项"]})
    version = request.form.get("version", "")
    if version and parse_int(version) is None:
        raise Invalid("版本号有误", {"version": ["「版本号」必须是整数"]})
    return attach(case, request.form.get("kind", ""), file.read(), file.filename,
                  file.mimetype, user, version=parse_int(version) if version else None,
                  capture=read_capture(request.form))


def _send(case: Case, attachment_id: int) -> Response:
    row = db.session.execute(db.select(Attachment).where(
        Attachment.id == attachment_id, Attachment.case_id == case.id)).scalar_one_or_none()
    path = storage_path(row.sha256) if row else None
    if row is None or not path.is_file():
        raise NotFound("材料不存在或不在您的管辖范围内")
    response = send_file(path, mimetype=row.content_type, download_name=row.filename,
                         as_attachment=not row.is_image, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@evidence.post("/cases/<int:case_id>/evidence")
@login_required
def upload(case_id: int) -> Response | tuple[str, int]:
    """上传证明材料 from the case page; a refused file re-renders the page with each
    message beside its field of the upload form (材料种类, 文件), not as a banner."""
    case = get_in_scope(Case, case_id, current_user)
    try:
        row = _upload(case, current_user)
    except WorkflowError as exc:
        db.session.rollback()
        errors = dict(getattr(exc, "errors", None) or {})
        fields = {"kind", "file"}
        other = [m for k, msgs in errors.items() if k not in fields for m in msgs]
        failed = {"kind": request.form.get("kind", ""),
                  "errors": {k: v for k, v in errors.items() if k in fields},
                  "other": other or ([] if errors else [exc.message])}
        page = case_page(db.session.get(Case, case_id), current_user)
        return render_template("cases/show.html", **page, upload=failed), exc.status
    flash(f"已上传：{row.filename}", "success")
    return redirect(url_for("cases.show", case_id=case_id) + "#evidence")


@evidence.get("/cases/<int:case_id>/evidence/<int:attachment_id>")
@login_required
def download(case_id: int, attachment_id: int) -> Response:
    return _send(get_in_scope(Case, case_id, current_user), attachment_id)


def attachment_json(row: Attachment) -> dict:
    return {"id": row.id, "kind": row.kind, "filename": row.filename,
            "content_type": row.content_type, "size": row.size, "sha256": row.sha256,
            "state": row.state, "uploaded_by": row.uploaded_by_name,
            "uploaded_at": utc_iso(row.uploaded_at),
            "captured_at": utc_iso(row.captured_at),
            "position": [row.latitude, row.longitude] if row.latitude is not None else None}


@evidence_api.get("/cases/<int:case_id>/evidence")
@token_required
def api_list(case_id: int):
    case = get_in_scope(Case, case_id, g.user)
    return jsonify([attachment_json(r) for r in attachments_of(case.id)])


@evidence_api.post("/cases/<int:case_id>/evidence")
@token_required
def api_upload(case_id: int):
    case = get_in_scope(Case, case_id, g.user)
    return jsonify({**attachment_json(_upload(case, g.user)), "case_version": case.version}), 201


@evidence_api.get("/cases/<int:case_id>/evidence/<int:attachment_id>")
@token_required
def api_download(case_id: int, attachment_id: int) -> Response:
    return _send(get_in_scope(Case, case_id, g.user), attachment_id)
