"""通知 (the notification page), its API under /api/v1/notifications, the preferences
form posted from the account page, and the unread count the top bar shows.

Each user sees and marks only their own notifications: another's id is 404."""
from __future__ import annotations

from flask import Blueprint, Flask, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from workflow.api import openapi
from workflow.documents.views import reader_required
from workflow.engine.errors import WorkflowError
from workflow.extensions import csrf, db
from workflow.notifications import operations as ops

pages = Blueprint("notifications", __name__)
api = Blueprint("notifications_api", __name__, url_prefix="/api/v1")


def _safe_link(link: str) -> str:
    """A link stored by the app itself; only a path on this site is followed."""
    return link if link.startswith("/") and not link.startswith("//") and "\\" not in link \
        else url_for("notifications.page")


@pages.route("/notifications")
@login_required
def page() -> str:
    """通知: the latest 100, unread first marked, with 标为已读 and 全部标为已读."""
    rows = ops.listing(current_user, unread_only=request.args.get("unread") == "1")
    return render_template("notifications/list.html", rows=rows, kinds=ops.KINDS,
                           unread_only=request.args.get("unread") == "1")


@pages.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id: int) -> Response:
    """Mark one read; ``open=1`` then goes to what it is about."""
    row = ops.mark_read(current_user, notification_id)
    if request.form.get("open") == "1":
        return redirect(_safe_link(row.link))
    return redirect(url_for("notifications.page"))


@pages.post("/notifications/read-all")
@login_required
def read_all() -> Response:
    done = ops.mark_all_read(current_user)
    flash(f"已将 {done} 条通知标为已读", "success")
    return redirect(url_for("notifications.page"))


@pages.post("/account/notification-email")
@login_required
def email() -> Response | tuple[str, int]:
    """The account page's digest address: saved, cleared when empty, else the page again
    with the error beside the field (nothing saved)."""
    from workflow.admin.account_views import account_page
    from workflow.notifications.digest import set_email

    try:
        saved = set_email(current_user, request.form.get("email", ""))
    except WorkflowError as exc:
        db.session.rollback()
        return account_page(exc.errors, 422)
    flash("摘要邮件地址已保存" if saved else "已取消每日摘要邮件", "success")
    return redirect(url_for("account.show") + "#notification-preferences")


@pages.post("/account/notifications")
@login_required
def preferences() -> Response:
    """The account page's form: the kinds ticked reach the user, the others do not."""
    ops.set_preferences(current_user, request.form.getlist("kinds"))
    from workflow.notifications.sms import set_sms_kinds

    set_sms_kinds(current_user, request.form.getlist("sms"))
    flash("通知设置已保存", "success")
    return redirect(url_for("account.show") + "#notification-preferences")


def _csrf_unless_bearer() -> None:
    if not request.headers.get("Authorization", "").startswith("Bearer "):
        csrf.protect()


@api.get("/notifications")
@reader_required
def api_list() -> Response:
    """The caller's latest 100 notifications (``unread=1``: unread only) and the count."""
    rows = ops.listing(g.reader, unread_only=request.args.get("unread") in ("1", "true"))
    return jsonify({"unread": ops.unread_count(g.reader),
                    "notifications": [ops.as_dict(r) for r in rows]})


@api.post("/notifications/<int:notification_id>/read")
@reader_required
def api_read(notification_id: int) -> Response:
    _csrf_unless_bearer()
    return jsonify(ops.as_dict(ops.mark_read(g.reader, notification_id)))


@api.post("/notifications/read-all")
@reader_required
def api_read_all() -> Response:
    _csrf_unless_bearer()
    return jsonify({"marked": ops.mark_all_read(g.reader), "unread": 0})


@api.get("/notifications/preferences")
@reader_required
def api_preferences() -> Response:
    return jsonify({"kinds": ops.preferences(g.reader), "titles": ops.KINDS})


@api.put("/notifications/preferences")
@reader_required
def api_set_preferences() -> Response:
    """Body {"kinds": {"todo": true, "mention": false, ...}}: kinds left out keep their
    setting; anything but an object of booleans is refused with 422."""
    _csrf_unless_bearer()
    body = request.get_json(silent=True)
    wanted = body.get("kinds") if isinstance(body, dict) else None
    if not isinstance(wanted, dict) or not all(
            k in ops.KINDS and isinstance(v, bool) for k, v in wanted.items()):
        return jsonify({"message": "通知设置有误",
                        "errors": {"kinds": ["「通知类别」应为各类别是否接收（true/false）"]}}), 422
    current = ops.preferences(g.reader)
    current.update(wanted)
    ops.set_preferences(g.reader, {k for k, v in current.items() if v})
    return jsonify({"kinds": ops.preferences(g.reader), "titles": ops.KINDS})


def _operations() -> dict[str, dict]:
    base = "/api/v1/notifications"
    prefs = {"type": "object", "required": ["kinds"], "properties": {"kinds": {
        "type": "object", "additionalProperties": {"type": "boolean"},
        "description": "通知类别 -> 是否接收（todo 新的待办、returned 案件被退回、"
                       "objection 公示异议、mention 批注中提到我）"}}}
    return {
        base: {"get": openapi.op("我的通知（最近 100 条）和未读数", "200", params=("unread",))},
        f"{base}/<int:notification_id>/read": {"post": openapi.op(
            "将一条通知标为已读", "200", errors=("401", "404"))},
        f"{base}/read-all": {"post": openapi.op("全部标为已读", "200")},
        f"{base}/preferences": {
            "get": openapi.op("我接收哪些类别的通知", "200"),
            "put": openapi.op("设置接收哪些类别的通知", "200", body=prefs,
                              errors=("401", "422"))},
    }


openapi.document(_operations, query={"unread": {"type": "string", "enum": ["1", "true", "0",
                                                                          "false"]}})


def init_views(app: Flask) -> None:
    """Register the page and API, and ``unread_notifications()`` for the top bar."""
    app.register_blueprint(pages)
    app.register_blueprint(api)
    csrf.exempt(api)

    def unread_notifications() -> int:
        # Called by base.html once per page: one count from the (user_id, read_at) index.
        if not current_user.is_authenticated:
            return 0
        if "unread_notifications" not in g:
            try:
                g.unread_notifications = ops.unread_count(current_user)
            except SQLAlchemyError:  # an error page while the database fails: no count
                db.session.rollback()
                g.unread_notifications = 0
        return g.unread_notifications

    app.jinja_env.globals["unread_notifications"] = unread_notifications
    from workflow.notifications.sms import sms_kinds

    app.jinja_env.globals["notification_sms"] = lambda: sms_kinds(current_user)
