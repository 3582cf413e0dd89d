"""农村危房改造 end to end through the API, and each way it must refuse."""
from __future__ import annotations

import datetime as dt

from tests.factories import Api, make_household
from tests.housing.helpers import (
    ACCOUNT,
    APPRAISAL_D,
    APPROVAL,
    housing_users,
    jpeg_bytes,
    make_house,
    ok,
    start,
    to_county_approval,
    upload,
)
from workflow import clock
from workflow.audit.chain import verify
from workflow.cases.models import Case
from workflow.evidence.models import Attachment
from workflow.extensions import db
from workflow.housing.models import ArchiveFile, HouseAppraisal, SubsidyPayment


def _apis(client, *names):
    return {n: Api(client, n) for n in names}


def test_happy_path_approve_one_file_one_and_pay(client, world):
    housing_users(world)
    house = make_house(world.households[0])
    apis = _apis(client, "clerk", "township", "housing", "housing2")
    case_id = start(apis, house)
    to_county_approval(apis, case_id)
    assert db.session.execute(db.select(ArchiveFile)).first() is None
    body = ok(apis["housing"].act(case_id, "county_approve", APPROVAL))
    assert body["state"] == "county_notice"
    archive = ok(apis["housing"].get(f"/api/v1/cases/{case_id}/archive"))
    year = clock.today().year
    assert archive["number"] == f"偏岭镇危改字〔{year}〕1号"
    assert archive["certificate_copies"] == ["县", "乡镇", "村", "农户"]
    clock.travel(dt.timedelta(days=6))
    ok(apis["housing"].act(case_id, "close_county_notice"))
    clerk = apis["clerk"]
    ok(upload(clerk, case_id, "agreement"), 201)
    ok(upload(clerk, case_id, "photo_before", jpeg_bytes("gray"), "before.jpg", "image/jpeg"), 201)
    ok(clerk.act(case_id, "sign_agreement", {"agreement_no": "XY-2020-017",
                                             "signed_on": "2020-04-20", "builder": "自建"}))
    ok(upload(clerk, case_id, "photo_during", jpeg_bytes("blue"), "during.jpg", "image/jpeg"), 201)
    ok(upload(clerk, case_id, "photo_after", jpeg_bytes("green"), "after.jpg", "image/jpeg"), 201)
    ok(clerk.act(case_id, "report_completion", {"started_on": "2020-04-25",
                                                "finished_on": "2020-06-10", "built_area": "54"}))
    ok(upload(clerk, case_id, "inspection_form"), 201)
    inspection = {"inspected_on": "2020-06-15", "quality_ok": True}
    # Joint inspection: the state moves only when county, township and village have signed.
    assert ok(clerk.act(case_id, "inspect", inspection))["state"] == "inspection"
    assert ok(apis["township"].act(case_id, "inspect", inspection))["state"] == "inspection"
    assert ok(apis["housing2"].act(case_id, "inspect", inspection))["state"] == "payment"
    ok(upload(apis["housing2"], case_id, "payment_voucher"), 201)
    ok(apis["housing2"].act(case_id, "pay_subsidy", {
        "amount": "35000", "account": ACCOUNT, "voucher_no": "FK-2020-0617",
        "paid_on": "2020-06-17"}))
    body = ok(apis["housing2"].act(case_id, "close_file"))
    assert body["state"] == "archived"

    payment = db.session.execute(db.select(SubsidyPayment)).scalar_one()
    assert str(payment.amount) == "35000.00" and payment.account == ACCOUNT
    appraisal = db.session.execute(db.select(HouseAppraisal)).scalar_one()
    assert appraisal.grade == "D" and appraisal.case_id == case_id
    certificate = db.session.get(Attachment, appraisal.certificate_id)
    assert certificate.kind == "appraisal_certificate" and certificate.case_id == case_id
    assert db.session.execute(db.select(ArchiveFile)).scalar_one().closed_at is not None
    assert verify() == (1, [])
    trail = ok(apis["housing"].get(f"/api/v1/cases/{case_id}/trail"))["events"]
    uploads = [e for e in trail if e["action"] == "attach"]
    assert len(uploads) == 10 and all(len(e["data"]["sha256"]) == 64 for e in uploads)


def test_b_grade_is_refused_and_can_be_declined(client, world):
    housing_users(world)
    house = make_house(world.households[0])
    apis = _apis(client, "clerk", "township")
    case_id = start(apis, house)
    clerk, township = apis["clerk"], apis["township"]
    ok(upload(clerk, case_id, "application_form"), 201)
    from tests.housing.helpers import APPLICATION, HOME_CHECK

    ok(clerk.act(case_id, "submit_application", APPLICATION))
    ok(clerk.act(case_id, "record_home_check", HOME_CHECK))
    ok(upload(township, case_id, "appraisal_certificate"), 201)
    b_grade = {**APPRAISAL_D, "grade": "B", "method": None, "planned_area": None}
    b_grade = {k: v for k, v in b_grade.items() if v is not None}
    refused = township.act(case_id, "record_appraisal", b_grade)
    assert refused.status_code == 422
    assert "B级" in refused.get_json()["errors"]["_guards"][0]
    assert db.session.execute(db.select(HouseAppraisal)).first() is None  # nothing half-saved
    body = ok(township.act(case_id, "appraised_not_dangerous", b_grade,
                           opinion="鉴定为B级，局部维修即可，不纳入改造"))
    assert body["state"] == "declined"
    assert db.session.execute(db.select(HouseAppraisal.grade)).scalar_one() == "B"


def test_c_grade_asking_for_rebuild_is_refused(client, world):
    housing_users(world)
    house = make_house(world.households[0])
    apis = _apis(client, "clerk", "township")
    case_id = start(apis, house)
    from tests.housing.helpers import APPLICATION, HOME_CHECK

    ok(upload(apis["clerk"], case_id, "application_form"), 201)
    ok(apis["clerk"].act(case_id, "submit_application", APPLICATION))
    ok(apis["clerk"].act(case_id, "record_home_check", HOME_CHECK))
    ok(upload(apis["township"], case_id, "appraisal_certificate"), 201)
    response = apis["township"].act(case_id, "record_appraisal", {**APPRAISAL_D, "grade": "C"})
    assert response.status_code == 422
    message = response.get_json()["errors"]["method"][0]
    assert "改造方式" in message and "修缮加固" in message
    assert db.session.get(Case, case_id).state == "appraisal"


def test_appraisal_and_approval_need_the_certificate(client, world):
    housing_users(world)
    house = make_house(world.households[0])
    apis = _apis(client, "clerk", "township", "housing")
    case_id = start(apis, house)
    from tests.housing.helpers import APPLICATION, HOME_CHECK

    ok(upload(apis["clerk"], case_id, "application_form"), 201)
    ok(apis["clerk"].act(case_id, "submit_application", APPLICATION))
    ok(apis["clerk"].act(case_id, "record_home_check", HOME_CHECK))
    response = apis["township"].act(case_id, "record_appraisal", APPRAISAL_D)
    assert response.status_code == 422
    assert "房屋安全鉴定证书" in response.get_json()["errors"]["_guards"][0]

    case_id2 = start(apis, make_house(world.households[1]))
    to_county_approval(apis, case_id2)
    # The certificate is relabelled behind the application's back: no approval, no file.
    db.session.execute(db.update(Attachment).where(
        Attachment.case_id == case_id2, Attachment.kind == "appraisal_certificate"
    ).values(kind="photo_before"))
    db.session.commit()
    refused = apis["housing"].act(case_id2, "county_approve", APPROVAL)
    assert refused.status_code == 422
    assert "房屋安全鉴定证书" in refused.get_json()["errors"]["_guards"][0]
    assert db.session.execute(db.select(ArchiveFile)).first() is None


def test_eligibility_follows_the_register(client, world):
    housing_users(world)
    household = world.households[0]
    household.status = "monitored"
    household.members[1].disabled = True  # a poor household with a disabled member
    house = make_house(household)
    apis = _apis(client, "clerk")
    case_id = start(apis, house)
    from tests.housing.helpers import APPLICATION

    ok(upload(apis["clerk"], case_id, "application_form"), 201)
    household.members[1].disabled = False  # the register changed after the case opened
    db.session.commit()
    refused = apis["clerk"].act(case_id, "submit_application", {**APPLICATION,
                                                                "basis": "disabled"})
    assert refused.status_code == 422
    assert "不属于危房改造对象" in refused.get_json()["errors"]["_guards"][0]
    household.members[1].disabled = True
    db.session.commit()
    ok(apis["clerk"].act(case_id, "submit_application", {**APPLICATION, "basis": "disabled"}))


def test_payment_only_to_the_households_own_account_and_within_limits(client, world):
    housing_users(world)
    apis = _apis(client, "clerk", "township", "housing")
    case_id = start(apis, make_house(world.households[0]))
    to_county_approval(apis, case_id)
    over = apis["housing"].act(case_id, "county_approve", {**APPROVAL, "amount": "40000"})
    assert over.status_code == 422
    assert "补助上限 35,000.00 元" in over.get_json()["errors"]["_guards"][0]
    ok(apis["housing"].act(case_id, "county_approve", APPROVAL))
    case = db.session.get(Case, case_id)
    # Jump to payment through the engine (the steps in between are tested above).
    case.state, case.version = "payment", case.version
    db.session.commit()
    ok(upload(apis["housing"], case_id, "payment_voucher"), 201)
    pay = {"amount": "35000", "account": "6222020000000000001", "voucher_no": "FK-1",
           "paid_on": "2020-06-17"}
    refused = apis["housing"].act(case_id, "pay_subsidy", pay)
    assert refused.status_code == 422
    assert "只能直接发放到农户本人账户" in refused.get_json()["errors"]["_guards"][0]
    short = apis["housing"].act(case_id, "pay_subsidy", {**pay, "account": ACCOUNT,
                                                         "amount": "30000"})
    assert "足额发放" in short.get_json()["errors"]["_guards"][0]
    assert db.session.execute(db.select(SubsidyPayment)).first() is None


def test_file_numbers_run_on_without_gaps_and_a_failed_approval_takes_none(client, world):
    housing_users(world)
    apis = _apis(client, "clerk", "township", "housing")
    extra = make_household(world.places["v1"], "马玥", size=2)
    db.session.commit()
    ids = [start(apis, make_house(h)) for h in (world.households[0], world.households[1], extra)]
    for case_id in ids:
        to_county_approval(apis, case_id)
    ok(apis["housing"].act(ids[0], "county_approve", APPROVAL))
    stale = db.session.get(Case, ids[1]).version - 1
    assert apis["housing"].act(ids[1], "county_approve", APPROVAL, version=stale).status_code == 409
    over = apis["housing"].act(ids[1], "county_approve", {**APPROVAL, "amount": "99999"})
    assert over.status_code == 422
    ok(apis["housing"].act(ids[2], "county_approve", APPROVAL))
    ok(apis["housing"].act(ids[1], "county_approve", APPROVAL))
    numbers = dict(db.session.execute(db.select(ArchiveFile.case_id, ArchiveFile.seq)).all())
    assert numbers == {ids[0]: 1, ids[2]: 2, ids[1]: 3}


def test_overdue_cases_are_flagged(client, world):
    housing_users(world)
    apis = _apis(client, "clerk")
    case_id = start(apis, make_house(world.households[0]))
    case = db.session.get(Case, case_id)
    due = dt.date(case.year, 6, 30)
    clock.travel(dt.timedelta(days=(due - clock.today()).days + 1))
    body = ok(apis["clerk"].get(f"/api/v1/cases/{case_id}"))
    assert body["overdue"] is True and body["due_on"] == due.isoformat()
    listed = ok(apis["clerk"].get("/api/v1/cases?overdue=1"))["items"]
    assert [c["id"] for c in listed] == [case_id]
    clock.reset()
    clock.travel(dt.timedelta(days=(due - clock.today()).days))
    assert ok(apis["clerk"].get(f"/api/v1/cases/{case_id}"))["overdue"] is False
    assert ok(apis["clerk"].get("/api/v1/cases?overdue=1"))["items"] == []
    clock.reset()


def test_the_completion_deadline_is_one_of_the_time_limits(client, world, as_user):
    """竣工期限 (30 June of the case's year, a setting) shows among the 办理时限: 正常, then
    临期 30 days before, 超期 after; the 超期 filter and the township's 督办 list find it;
    a case that reached the joint inspection has met it."""
    from workflow.cases.queries import case_query

    housing_users(world)
    apis = _apis(client, "clerk", "township")
    case_id = start(apis, make_house(world.households[0]))
    met_id = start(apis, make_house(world.households[1]))
    db.session.get(Case, met_id).state = "inspection"  # as if built and reported
    db.session.commit()
    due = dt.date(db.session.get(Case, case_id).year, 6, 30)

    def deadline(days_before: int) -> dict | None:
        clock.reset()
        clock.travel(dt.timedelta(days=(due - clock.today()).days - days_before))
        limits = ok(apis["clerk"].get(f"/api/v1/cases/{case_id}"))["time_limits"]
        met = ok(apis["clerk"].get(f"/api/v1/cases/{met_id}"))["time_limits"]
        assert not [m for m in met if m["name"] == "deadline"]
        return next((m for m in limits if m["name"] == "deadline"), None)

    def listed(level: str) -> set[int]:
        db.session.expire_all()
        return {c.id for c in db.session.execute(case_query(
            world.users["township"], limit=level)).scalars().unique().all()} & {case_id,
                                                                              met_id}

    try:
        if due - dt.timedelta(days=31) >= clock.today():
            far = deadline(31)
            assert far["level"] == "green" and far["title"] == "竣工期限"
            assert far["text"] == "剩余31天" and listed("yellow") == set()
        near = deadline(30)
        assert (near["level"], near["text"], near["due_on"]) == ("yellow", "剩余30天",
                                                                 due.isoformat())
        assert listed("yellow") == {case_id} and listed("red") == set()
        late = deadline(-2)
        assert (late["level"], late["text"], late["unit"]) == ("red", "超期2天", "calendar")
        assert listed("red") == {case_id} and listed("yellow") == set()
        page = as_user("township").get("/supervision").get_data(as_text=True)
        assert f'data-case="{case_id}"' in page and "竣工期限" in page
        assert f'data-case="{met_id}"' not in page
    finally:
        clock.reset()
