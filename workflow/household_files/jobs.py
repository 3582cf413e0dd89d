"""The ``household_files`` job: one household's package as a PDF, or a village's or a
township's as a zip of one PDF per household, with progress per household.

Params: ``household`` (an id) or ``place`` (a village or township code), checked against
the user's places when queued and again when run; ``base_url`` for the printed links.
"""
from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

from flask import current_app

from workflow.engine.errors import Invalid, NotFound
from workflow.engine.fields import parse_id
from workflow.extensions import db
from workflow.household_files.package import build
from workflow.household_files.parts import Cache
from workflow.jobs.registry import JobError, job_kind
from workflow.jurisdictions.scope import get_in_scope, paths_filter, place_by_code
from workflow.registry.models import Household

SCOPE_LEVELS = {"village": "村", "township": "乡镇"}


def households_of(params: dict, user) -> tuple[str, list[int], bool]:
    """(what the scope is called, the household ids in it, one household?); Invalid with
    a Chinese reason when the scope is not one household, village or township of the
    user's places."""
    if params.get("household") not in (None, ""):
        try:
            household = get_in_scope(Household, params["household"], user)
        except NotFound:
            raise Invalid("范围有误", {"household": ["该农户不存在或不在您的管辖范围内"]}) from None
        return household.head_name, [household.id], True
    code = str(params.get("place") or "").strip()
    place = place_by_code(code, user) if code.isdigit() and len(code) <= 12 else None
    if place is None or place.level not in SCOPE_LEVELS:
        raise Invalid("范围有误", {"place": ["请选择您管辖范围内的一个村或乡镇"]})
    ids = list(db.session.execute(db.select(Household.id).where(
        paths_filter(Household.jurisdiction_path, [place.path]))
        .order_by(Household.jurisdiction_path, Household.id)).scalars())
    if not ids:
        raise Invalid("没有农户", {"place": [f"{place.name}没有登记农户"]})
    limit = int(current_app.config.get("DOCUMENTS_BATCH_MAX", 2000))
    if len(ids) > limit:
        raise Invalid("农户过多", {"place": [f"{place.name}有 {len(ids)} 户，一次最多生成 "
                                        f"{limit} 户，请按村分批生成"]})
    return place.name, ids, False


def _validate(params: dict, user) -> dict:
    _, ids, single = households_of(params, user)
    scope = ({"household": parse_id(params["household"])} if single
             else {"place": str(params["place"]).strip()})
    return {**scope, "base_url": str(params.get("base_url") or ""), "_total": len(ids)}


def _name(household: Household) -> str:
    return f"一户一档-{household.head_name}-{household.id}.pdf"


@job_kind("household_files", title="生成一户一档", validate=_validate)
def household_files(ctx) -> None:
    """Build each household's package; in a batch each household's records are
    committed when it is done, one household alone with the result."""
    try:
        label, ids, single = households_of(ctx.params, ctx.user)
    except Invalid as exc:
        raise JobError("；".join(m for ms in exc.errors.values() for m in ms)) from None
    base_url, cache = ctx.params["base_url"], Cache()
    ctx.progress(0, len(ids), f"正在生成{label}的一户一档")
    if single:
        household = db.session.get(Household, ids[0])
        data, _ = build(household, ctx.user, base_url, cache)
        ctx.save_file(_name(household), data, "application/pdf")
        ctx.progress(1)
        ctx.message = f"已生成{label}户的一户一档"
        return
    with tempfile.TemporaryDirectory(prefix="wf-household-files-") as folder:
        target = Path(folder) / "files.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for done, household_id in enumerate(ids, 1):
                ctx.check_cancelled()
                household = db.session.get(Household, household_id)
                data, _ = build(household, ctx.user, base_url, cache)
                archive.writestr(f"{household.village.name}/{_name(household)}", data)
                # Each household's records are committed as it is done: on SQLite an
                # open write transaction locks every other writer (the officials'
                # sign-offs, this job's own progress) for the whole batch. A killed
                # attempt leaves the records of packages it built; a retry builds them
                # again with new codes. Expunged first (the session stays small and
                # ``ctx.user`` is not expired by the commit).
                db.session.flush()
                db.session.expunge_all()
                db.session.commit()
                ctx.progress(done)
        ctx.progress(len(ids), message="正在打包")
        ctx.save_file(f"一户一档-{label}.zip", target.read_bytes(), "application/zip")
        ctx.message = (f"已生成 {len(ids)} 户一户一档（{os.path.getsize(target) / 1e6:.1f} MB）")
