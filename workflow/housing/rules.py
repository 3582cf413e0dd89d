"""Guards and effects of house_renovation (DOMAIN.md §3); figures come from the settings
of the case's place and year (``ctx.setting``), recorded in the step's event."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from workflow import clock
from workflow.audit import records
from workflow.engine.registry import effect, guard
from workflow.evidence.models import Attachment
from workflow.extensions import db
from workflow.housing.models import (
    CERTIFICATE_COPIES,
    GRADES,
    METHODS,
    ArchiveFile,
    HouseAppraisal,
    SubsidyPayment,
)
from workflow.housing.numbering import format_number, next_seq

APPRAISAL = "record_appraisal"
APPROVAL = "county_approve"
ELIGIBILITY = {"dibao": "低保户", "tekun": "特困供养户"}


def _money(value) -> Decimal:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


APPRAISAL_FORM = "house_appraisal"


def _appraisal(ctx) -> dict:
    """The appraisal entered at this step, or the one recorded earlier in the case."""
    if ctx.action.form is not None and ctx.action.form.key == APPRAISAL_FORM:
        return ctx.values
    return ctx.step_values(APPRAISAL)


def eligible_statuses(read, year: int | None = None) -> list[str]:
    """The register statuses a renovation may be for (``read``: ``ctx.setting`` or
    ``cases.applied.reader(place)``), this year unless given."""
    found = read("renovation_eligible_statuses", year=year or clock.today().year)
    return list(found.value) if found is not None else []


def _year(ctx) -> int:
    """The year whose settings a step applies: the case's plan year (today's before a
    case exists)."""
    case = getattr(ctx, "case", None)
    return case.year if case is not None and case.year else clock.today().year


def _by_grade(ctx, key: str):
    """A per-grade setting (methods, ceilings), None for a grade no setting exists for
    (A and B houses are not renovated)."""
    try:
        return ctx.setting(key, year=_year(ctx))
    except KeyError:
        return None


@guard("renovation_eligible", subject_only=True)
def renovation_eligible(ctx) -> list[str]:
    """建档立卡贫困户、低保户、特困供养户、贫困残疾人家庭 only, by the register."""
    household = ctx.subject.household
    if household.status in eligible_statuses(ctx.setting, _year(ctx)):
        return []
    # Eligible by a flag that a department's data disputes: verified first (workflow/sectors).
    from workflow.sectors.queries import open_reasons

    if household.dibao or household.tekun:
        return open_reasons(household.id, {"civil_affairs"})
    if household.status == "monitored" and household.has_disabled_member:
        # a poor household with a disabled member (贫困残疾人家庭)
        return open_reasons(household.id, {"disability"})
    return [f"该户在册状态为“{household.status_title}”，且不是低保户、特困供养户或贫困残疾人"
            "家庭，不属于危房改造对象"]


@guard("house_grade_c_or_d")
def house_grade_c_or_d(ctx) -> list[str]:
    grade = _appraisal(ctx).get("grade")
    if grade in ("C", "D"):
        return []
    title = GRADES.get(grade, "未鉴定")
    return [f"房屋鉴定为{title}，只有C级、D级危房可以纳入改造"]


@guard("house_grade_a_or_b")
def house_grade_a_or_b(ctx) -> list[str]:
    grade = _appraisal(ctx).get("grade")
    if grade in ("A", "B"):
        return []
    return [f"房屋鉴定为{GRADES.get(grade, '未鉴定')}，属于危房，应纳入改造"]


@guard("method_fits_grade")
def method_fits_grade(ctx) -> list[str]:
    """C: 修缮加固 only; D: 原址翻建 or 异地新建 — checked against the register's appraisal."""
    method = _appraisal(ctx).get("method")
    latest = ctx.subject.latest_appraisal
    grade = _appraisal(ctx).get("grade") if ctx.action.form and \
        ctx.action.form.key == APPRAISAL_FORM else (latest.grade if latest else None)
    found = _by_grade(ctx, f"renovation_methods.{grade}") if grade else None
    allowed = list(found.value) if found is not None else []
    if method in allowed:
        return []
    offered = "、".join(METHODS[m] for m in allowed) or "不予改造"
    return [f"{GRADES.get(grade, '未鉴定')}房屋只能{offered}，"
            f"不能{METHODS.get(method, '（未选择改造方式）')}"]


def area_limit(size: int, read, year: int) -> tuple[int, int] | None:
    """(minimum, maximum) floor area in m² for a household of ``size`` people (None: a
    bound is not set); households above three people take the three-person minimum."""
    found = [read(f"house_area.min_by_size.{min(max(size, 1), 3)}", year=year),
             read("house_area.max_small", year=year),
             read("house_area.per_person_above_3", year=year)]
    if any(f is None for f in found):
        return None
    smallest, small, per_person = (int(f.value) for f in found)
    return smallest, max(small, per_person * size)


def _area_limits(ctx) -> None:
    area_limit(ctx.subject.household.size, ctx.setting, _year(ctx))


@guard("planned_area_within_limits", reads=_area_limits)
def planned_area_within_limits(ctx) -> list[str]:
    """A rebuilt or new house keeps to the floor-area bounds for the household's size."""
    values = _appraisal(ctx)
    if values.get("method") == "repair":
        return []
    area = values.get("planned_area")
    if area in (None, ""):
        return ["翻建或新建须填写「规划建筑面积」"]
    size = ctx.subject.household.size
    limits = area_limit(size, ctx.setting, _year(ctx))
    if limits is None:
        return [ctx.missing("house_area.max_small", "危房改造建筑面积标准", _year(ctx))]
    low, high = limits
    area = _money(area)
    if not low <= area <= high:
        return [f"{size} 人户规划建筑面积 {area} 平方米 不在 {low}～{high} 平方米 的范围内"]
    return []


def subsidy_key(ctx) -> str | None:
    """The ceiling's setting for the appraisal's grade and method (None: not chosen yet)."""
    values = _appraisal(ctx)
    grade, method = values.get("grade"), values.get("method")
    return f"renovation_subsidy.{grade}.{method}" if grade and method else None


def subsidy_limit(ctx) -> Decimal | None:
    """The subsidy ceiling of the case's year for its grade and method, at its place."""
    key = subsidy_key(ctx)
    found = _by_grade(ctx, key) if key else None
    return None if found is None else _money(found.value)


@guard("subsidy_within_limit", reads=lambda ctx: subsidy_limit(ctx))
def subsidy_within_limit(ctx) -> list[str]:
    """The approved or paid amount stays within the setting for the grade and method."""
    amount = _money(ctx.values.get("amount") or ctx.step_values(APPROVAL).get("amount"))
    limit = subsidy_limit(ctx)
    values = _appraisal(ctx)
    what = f"{GRADES.get(values.get('grade'), '')}{METHODS.get(values.get('method'), '')}"
    if limit is None:
        key = subsidy_key(ctx)
        if key is None:
            return ["未选定鉴定等级和改造方式，无法核定补助上限"]
        return [ctx.missing(key, f"{what}的补助上限", _year(ctx))]
    if amount > limit:
        return [f"补助金额 {_yuan(amount)} 元超过{what}的补助上限 {_yuan(limit)} 元"]
    return []


@guard("paid_in_full")
def paid_in_full(ctx) -> list[str]:
    approved = _money(ctx.step_values(APPROVAL).get("amount"))
    paid = _money(ctx.values.get("amount"))
    if paid != approved:
        return [f"发放金额 {_yuan(paid)} 元与县级批准的补助金额 {_yuan(approved)} 元不一致，"
                "应足额发放"]
    return []


@guard("paid_to_household_account")
def paid_to_household_account(ctx) -> list[str]:
    """Subsidies go straight into the household's own account (一卡通), nowhere else."""
    household = ctx.subject.household
    account = str(ctx.values.get("account") or "").strip()
    if not household.bank_account:
        return ["该户未登记一卡通账号，请先在建档立卡信息中登记后再发放"]
    if account != household.bank_account:
        return [f"收款账号不是该户登记的一卡通账号（尾号 {household.bank_account[-4:]}），"
                "补助资金只能直接发放到农户本人账户"]
    return []


@effect("record_appraisal")
def record_appraisal(ctx) -> None:
    """The appraisal enters the register, whatever the case makes of it."""
    v = ctx.values
    certificate = db.session.execute(
        db.select(Attachment.id).where(Attachment.case_id == ctx.case.id,
                                       Attachment.kind == "appraisal_certificate")
        .order_by(Attachment.id.desc()).limit(1)).scalar()
    # Appended to the house's collection, so a later step in the same session (a batch,
    # the demo seed) sees it without reloading the house.
    ctx.subject.appraisals.append(HouseAppraisal(
        case_id=ctx.case.id, grade=v["grade"],
        appraised_on=dt.date.fromisoformat(v["appraised_on"]), appraiser=v["appraiser"],
        certificate_no=v["certificate_no"], certificate_id=certificate,
        recorded_by_id=ctx.actor.id))


@effect("open_archive_file")
def open_archive_file(ctx) -> None:
    """批准一户、建档一户: the file and its number come with the approval, or neither."""
    township = ctx.case.village.ancestor("township")
    year = clock.today().year
    seq = next_seq(township.id, year)
    db.session.add(ArchiveFile(
        case_id=ctx.case.id, house_id=ctx.subject.id, household_id=ctx.subject.household_id,
        township_id=township.id, year=year, seq=seq,
        number=format_number(township, year, seq), certificate_copies=CERTIFICATE_COPIES,
        opened_by_id=ctx.actor.id))


@effect("record_payment")
def record_payment(ctx) -> None:
    v = ctx.values
    db.session.add(SubsidyPayment(
        case_id=ctx.case.id, household_id=ctx.subject.household_id, amount=_money(v["amount"]),
        account=str(v["account"]).strip(), voucher_no=v["voucher_no"],
        paid_on=dt.date.fromisoformat(v["paid_on"]), recorded_by_id=ctx.actor.id))


def _payment_rows(case_ids: list[int]) -> dict[int, list[dict]]:
    """The stored subsidy payments of these cases, in the terms of their form."""
    out: dict[int, list[dict]] = {}
    t = SubsidyPayment.__table__  # columns, not objects: the row as stored, nothing cached
    for p in db.session.execute(db.select(t.c.case_id, t.c.amount, t.c.account, t.c.voucher_no,
                                          t.c.paid_on).where(t.c.case_id.in_(case_ids))
                                .order_by(t.c.id)):
        out.setdefault(p.case_id, []).append({
            "amount": _money(p.amount), "account": p.account, "voucher_no": p.voucher_no,
            "paid_on": p.paid_on.isoformat() if p.paid_on else None})
    return out


# audit verify compares each payment row with the 补助资金发放 event that wrote it.
records.register(records.RecordCheck(
    effect="record_payment", title="补助发放记录",
    labels={"amount": "金额", "account": "收款账号", "voucher_no": "付款凭证号",
            "paid_on": "发放日期"},
    load=_payment_rows,
    expected=lambda v: {"amount": _money(v.get("amount")),
                        "account": str(v.get("account", "")).strip(),
                        "voucher_no": v.get("voucher_no"), "paid_on": v.get("paid_on")}))


@effect("close_archive_file")
def close_archive_file(ctx) -> None:
    archive = db.session.execute(db.select(ArchiveFile).where(
        ArchiveFile.case_id == ctx.case.id)).scalar_one_or_none()
    if archive is not None:
        archive.closed_at = clock.utcnow()


def claim_holds(household, basis: str, statuses: list[str]) -> bool:
    """Whether the register bears out the 对象类别 an application claims (``statuses``:
    ``eligible_statuses``)."""
    if basis == "registered_poor":
        return household.status in statuses
    if basis == "disabled":  # 贫困残疾人家庭: a poor or monitored household with a disabled member
        return household.has_disabled_member and (
            household.status in statuses
            or household.status == "monitored")
    return bool(getattr(household, basis, False))  # dibao, tekun: the register's own flags


@guard("claim_matches_register")
def claim_matches_register(ctx) -> list[str]:
    """The 对象类别 claimed on the application must be what the register says (账实相符)."""
    basis = ctx.values.get("basis")
    if not basis or claim_holds(ctx.subject.household, basis,
                                eligible_statuses(ctx.setting, _year(ctx))):
        return []
    field = next(f for f in ctx.action.form.fields if f.name == "basis")
    household = ctx.subject.household

    def yes(flag: bool) -> str:
        return "是" if flag else "否"
    return [f"「{field.label}」填写为“{field.choices.get(basis, basis)}”，与建档立卡登记不符"
            f"（该户在册状态为“{household.status_title}”，低保户：{yes(household.dibao)}，"
            f"特困供养：{yes(household.tekun)}，有残疾成员：{yes(household.has_disabled_member)}）"]


@guard("inspection_passed")
def inspection_passed(ctx) -> list[str]:
    return [] if ctx.values.get("quality_ok") else ["验收不合格：质量安全未达标，须整改后再验收"]
