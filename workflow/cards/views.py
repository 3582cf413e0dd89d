"""明白卡 routes: one household's card (/households/<id>/card.pdf), a village's cards as
one PDF through the job queue (POST /villages/<code>/cards, the ``policy_cards`` job),
and the public check of a card (/verify/card/<household>/<code>). Thin: the facts,
digest and check are cards/content.py."""
from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from workflow.cards import content
from workflow.documents import render, verify
from workflow.documents.jobs import chunked, merge
from workflow.documents.views import base_url, pdf_response, reader_required
from workflow.engine.errors import Invalid, WorkflowError
from workflow.engine.fields import parse_id
from workflow.extensions import db, limiter
from workflow.jobs import queue
from workflow.jobs.registry import JobError, job_kind
from workflow.jurisdictions.models import Jurisdiction
from workflow.jurisdictions.scope import get_in_scope, place_by_code
from workflow.registry.models import Household

cards = Blueprint("cards", __name__)
# Households that get a card: those in the register's care (not merely monitored ones).
CARD_STATUSES = ("registered_poor", "exited")


@cards.route("/households/<int:household_id>/card.pdf")
@reader_required
def card(household_id: int) -> Response:
    """One household's card (a browser session or an API token); the print recorded."""
    household = get_in_scope(Household, household_id, g.reader)
    context = content.print_context(household, g.reader, base_url())
    data = render.pdf("pdf/card.html", **context)
    db.session.commit()  # the print is recorded once the card is made
    return pdf_response(data, f"明白卡-{household.head_name}.pdf")


def _village_households(village: Jurisdiction) -> list[int]:
    return list(db.session.execute(db.select(Household.id).where(
        Household.village_id == village.id, Household.status.in_(CARD_STATUSES))
        .order_by(Household.id)).scalars())


def _validate(params: dict, user) -> dict:
    village = place_by_code(str(params.get("village") or ""), user)
    if village is None or village.level != "village":
        raise Invalid("村有误", {"village": ["「村」不存在或不在您的管辖范围内"]})
    count = len(_village_households(village))
    if not count:
        raise Invalid("没有可打印的农户", {"village": ["该村没有建档立卡户或已脱贫户"]})
    return {"village": village.code, "base_url": str(params.get("base_url") or ""),
            "_total": count}


@job_kind("policy_cards", title="批量打印明白卡", validate=_validate)
def policy_cards(ctx) -> None:
    """A village's cards as one PDF, laid out chunk by chunk, each chunk's prints
    recorded (committed) when it is laid out."""
    village = db.session.execute(db.select(Jurisdiction).filter_by(
        code=ctx.params["village"])).scalar_one()
    ids = _village_households(village)
    if not ids:
        raise JobError("该村没有建档立卡户或已脱贫户")
    ctx.progress(0, len(ids), f"正在生成{village.name}的明白卡")
    with tempfile.TemporaryDirectory(prefix="wf-cards-") as folder:
        parts, done = [], 0
        for n, chunk in enumerate(chunked(ids)):
            ctx.check_cancelled()
            documents = [render.layout("pdf/card.html", **content.print_context(
                db.session.get(Household, hid), ctx.user, ctx.params["base_url"]))
                for hid in chunk]
            part = Path(folder) / f"{n:04d}.pdf"
            render.write(documents, part)
            # Committed chunk by chunk: on SQLite an open write transaction would lock
            # every other writer (the officials' sign-offs, this job's progress) until
            # the whole village is laid out. A killed attempt leaves the print records
            # of the chunks it made (a retry prints them again).
            db.session.flush()
            db.session.expunge_all()
            db.session.commit()
            parts.append(part)
            done += len(chunk)
            ctx.progress(done)
        target = Path(folder) / "cards.pdf"
        merge(parts, target)
        ctx.save_file(f"明白卡-{village.name}.pdf", target.read_bytes(), "application/pdf")
    ctx.message = f"已生成 {len(ids)} 户明白卡"


@cards.post("/villages/<code>/cards")
@login_required
def village_cards(code: str) -> Response:
    try:
        queue.enqueue("policy_cards", {"village": code, "base_url": base_url()},
                      current_user)
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        flash("；".join([m for ms in exc.errors.values() for m in ms] or [exc.message]), "error")
        return redirect(request.referrer or url_for("jobs.page"))
    flash("已提交批量打印明白卡：可在「我的任务」查看进度并下载", "success")
    return redirect(url_for("jobs.page"))


@cards.route("/verify/card", defaults={"household_id": None, "code": None})
@cards.route("/verify/card/<int:household_id>/<code>")
@limiter.limit("60 per minute")
def verify_card(household_id: int | None, code: str | None) -> Response | str:
    """Public (no login): is a card on the wall what the system holds now?"""
    asked = parse_id(request.args.get("household", ""))  # within the id columns, or None
    if household_id is None and asked and request.args.get("code"):
        return redirect(url_for("cards.verify_card", household_id=asked,
                                code=verify.normalize(request.args["code"])[:16]))
    verdict = content.check(household_id, code) if household_id and code else None
    return render_template("cards/verify.html", verdict=verdict, household_id=household_id,
                           code=code or "")


def init_app(app: Flask) -> None:
    app.register_blueprint(cards)
