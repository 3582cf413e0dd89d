"""Demo house renovations: houses for some households and a case at every stage, with
generated certificate scans and photos as evidence (all fictional)."""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

import click

from workflow import clock
from workflow.cases.applied import reader
from workflow.cases.operations import create_case, perform
from workflow.engine.errors import WorkflowError
from workflow.evidence.operations import attach
from workflow.evidence.samples import blank_pdf, sample_photo
from workflow.extensions import db
from workflow.housing.models import House
from workflow.housing.rules import claim_holds, eligible_statuses
from workflow.registry.models import Household

PROCEDURE = "house_renovation"
PDF_KINDS = {"application_form", "eligibility_certificate", "appraisal_certificate",
             "meeting_minutes", "agreement", "inspection_form", "payment_voucher"}


def _photo(rng: random.Random, label: str) -> bytes:
    return sample_photo(tuple(rng.randint(90, 200) for _ in range(3)), label)


def _scan() -> bytes:
    return blank_pdf()


def register_basis(household: Household) -> str:
    """The 对象类别 the register bears out, as an application must claim it."""
    statuses = eligible_statuses(reader(household.jurisdiction_path))
    return next(b for b in ("registered_poor", "dibao", "tekun", "disabled")
                if claim_holds(household, b, statuses))


def _day(offset: int = 0) -> str:
    return (clock.today() - dt.timedelta(days=offset)).isoformat()


def _appraisal(grade: str, method: str | None, area: str | None) -> Callable[[], dict]:
    def fill() -> dict:
        values = {"grade": grade, "appraised_on": _day(1), "appraiser": "岫岩县住建局鉴定组",
                  "certificate_no": f"岫危鉴〔{clock.today().year}〕{random.randint(10, 99)}号"}
        if method:
            values["method"] = method
        if area:
            values["planned_area"] = area
        return values
    return fill


# (who, action, uploads before it, form values, days to wait before it)
STEPS: list[tuple[str, str, tuple[str, ...], Callable[[], dict] | None, int]] = [
    ("clerk", "submit_application", ("application_form",), lambda: {
        "applied_on": _day(), "household_size": 3, "basis": "registered_poor",
        "reason": "土木结构老房，墙体开裂，屋面漏雨"}, 0),
    ("clerk", "record_home_check", (), lambda: {
        "checked_on": _day(), "occupants": 3, "only_house": True,
        "findings": "唯一住房，墙体多处裂缝"}, 2),
    ("township", "record_appraisal", ("appraisal_certificate",), _appraisal("D", "rebuild", "54"),
     5),
    ("clerk", "submit_village_appraisal", ("meeting_minutes",), lambda: {
        "meeting_date": _day(), "attendees": 27, "votes_for": 25, "votes_against": 1,
        "minutes": "村民代表会议评议，同意纳入危房改造"}, 3),
    ("clerk", "close_village_notice", ("notice_photo",), None, 8),
    ("township", "township_approve", (), lambda: {"files_complete": True,
                                                  "spot_checked": True}, 2),
    ("township", "close_township_notice", (), None, 8),
    ("housing", "county_approve", (), lambda: {"amount": "35000",
                                               "completion_due": _day(-60)}, 3),
    ("housing", "close_county_notice", (), None, 6),
    ("clerk", "sign_agreement", ("agreement", "photo_before"), lambda: {
        "agreement_no": f"XY-{clock.today().year}-{random.randint(100, 999)}",
        "signed_on": _day(), "builder": "自建"}, 3),
    ("clerk", "report_completion", ("photo_during", "photo_after"), lambda: {
        "started_on": _day(40), "finished_on": _day(2), "built_area": "54"}, 45),
    ("clerk", "inspect", ("inspection_form",), lambda: {
        "inspected_on": _day(), "quality_ok": True}, 4),
    ("township", "inspect", (), lambda: {"inspected_on": _day(), "quality_ok": True}, 0),
    ("housing", "inspect", (), lambda: {"inspected_on": _day(), "quality_ok": True}, 0),
    ("housing", "pay_subsidy", ("payment_voucher",), None, 5),
    ("housing", "close_file", (), None, 3),
]
# How many steps each demo case takes: one case stopped at every stage (-1: declined).
DECLINED = -1
STOPS = (0, 2, 4, 5, 6, 7, 8, 10, 11, 12, 14, 16, DECLINED)


def seed_houses(rng: random.Random, actor: Callable[[str, object], object],
                households: list[Household]) -> int:
    """Houses and renovation cases for ``households``; returns the number of cases."""
    houses = []
    for i, household in enumerate(households):
        household.bank_account = f"62170{rng.randint(10**13, 10**14 - 1)}"
        household.dibao = i % 4 == 1
        houses.append(House(household=household, address=f"{household.address}{i + 1}号",
                            structure=rng.choice(("earth_wood", "brick_wood", "stone")),
                            year_built=rng.randint(1962, 1990),
                            area=f"{rng.randint(38, 72)}.{rng.randint(0, 9)}",
                            village_id=household.village_id,
                            jurisdiction_path=household.jurisdiction_path))
    db.session.add_all(houses)
    db.session.commit()
    count = 0
    for house, stop in zip(houses, STOPS, strict=False):
        clock.reset()
        clock.travel(-dt.timedelta(days=150 + rng.randint(0, 20)))
        case = create_case(PROCEDURE, house.id, actor("clerk", house.village))
        count += 1
        if stop == DECLINED:
            _declined(case, house, actor)
            continue
        for who, action, uploads, values, wait in STEPS[:stop]:
            clock.travel(dt.timedelta(days=wait, hours=rng.randint(0, 5)))
            user = actor(who, house.village)
            for kind in uploads:
                data = _scan() if kind in PDF_KINDS else _photo(rng, kind)
                name = f"{kind}.pdf" if kind in PDF_KINDS else f"{kind}.jpg"
                attach(case, kind, data, name, None, user)
            data = values() if values else None
            if action == "submit_application":
                data["basis"] = register_basis(house.household)
            if action == "pay_subsidy":
                data = {"amount": "35000", "account": house.household.bank_account,
                        "voucher_no": f"FK-{case.id:04d}", "paid_on": _day()}
            try:
                perform(case, action, user, version=case.version, opinion="同意", data=data)
            except WorkflowError as exc:
                raise click.ClickException(f"演示危改案件 {case.id} 在“{action}”失败："
                                           f"{exc.message} {exc.errors}") from exc
    clock.reset()
    return count


def _declined(case, house, actor) -> None:
    """A B-grade house: appraised, then not taken into the programme."""
    for who, action, uploads, values, wait in STEPS[:2]:
        clock.travel(dt.timedelta(days=wait + 1))
        user = actor(who, house.village)
        for kind in uploads:
            attach(case, kind, _scan(), f"{kind}.pdf", None, user)
        data = values()
        if action == "submit_application":
            data["basis"] = register_basis(house.household)
        perform(case, action, user, version=case.version, opinion="同意", data=data)
    township = actor("township", house.village)
    clock.travel(dt.timedelta(days=2))  # the appraisal (dated the day before) follows the check
    attach(case, "appraisal_certificate", _scan(), "certificate.pdf", None, township)
    perform(case, "appraised_not_dangerous", township, version=case.version,
            opinion="鉴定为B级，局部维修即可，不纳入改造",
            data=_appraisal("B", None, None)())
