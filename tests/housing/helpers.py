"""Drive a house renovation case through the API, step by step, with real files."""
from __future__ import annotations

import datetime as dt
import io

from tests.factories import GOOD_APPRAISAL, Api, make_user
from workflow import clock
from workflow.evidence.samples import blank_pdf, sample_photo
from workflow.extensions import db
from workflow.housing.models import House
from workflow.registry.models import Household

ACCOUNT = "6217000123456789012"


def jpeg_bytes(color: str = "red") -> bytes:
    return sample_photo(color, size=(64, 48))


def pdf_bytes() -> bytes:
    return blank_pdf()


def housing_users(world) -> None:
    """The county housing bureau, and a township reviewer for the joint inspection."""
    make_user("housing", ("county_housing_bureau", world.places["county"]), name="陈住建")
    make_user("housing2", ("county_housing_bureau", world.places["county"]), name="林住建")
    db.session.commit()


def make_house(household: Household, area: str = "48.5") -> House:
    household.bank_account = ACCOUNT
    house = House(household=household, address=f"{household.village.name}3组12号",
                  structure="earth_wood", year_built=1978, area=area,
                  village_id=household.village_id, jurisdiction_path=household.jurisdiction_path)
    db.session.add(house)
    db.session.commit()
    return house


def upload(api: Api, case_id: int, kind: str, data: bytes | None = None,
           filename: str = "scan.pdf", content_type: str = "application/pdf"):
    data = pdf_bytes() if data is None else data
    return api.client.post(f"/api/v1/cases/{case_id}/evidence", headers=api.headers,
                           data={"kind": kind, "file": (io.BytesIO(data), filename,
                                                         content_type)},
                           content_type="multipart/form-data")


def ok(response, status: int = 200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


APPLICATION = {"applied_on": "2020-03-02", "household_size": 3, "basis": "registered_poor",
               "reason": "土木结构老房，后墙开裂，屋面漏雨"}
HOME_CHECK = {"checked_on": "2020-03-05", "occupants": 3, "only_house": True,
              "findings": "房屋为唯一住房，主体开裂"}
APPRAISAL_D = {"grade": "D", "appraised_on": "2020-03-10", "appraiser": "县住建局鉴定组 王工",
               "certificate_no": "岫危鉴〔2020〕031", "method": "rebuild", "planned_area": "54"}
APPROVAL = {"amount": "35000", "completion_due": "2020-06-30"}


def start(apis: dict[str, Api], house: House) -> int:
    return ok(apis["clerk"].post("/api/v1/cases", json={"procedure": "house_renovation",
                                                        "subject_id": house.id}), 201)["id"]


def to_county_approval(apis: dict[str, Api], case_id: int,
                       appraisal: dict | None = None) -> None:
    """Application → home check → appraisal → village appraisal and notice → township."""
    clerk, township = apis["clerk"], apis["township"]
    ok(upload(clerk, case_id, "application_form"), 201)
    ok(clerk.act(case_id, "submit_application", APPLICATION))
    ok(clerk.act(case_id, "record_home_check", HOME_CHECK))
    ok(upload(township, case_id, "appraisal_certificate"), 201)
    ok(township.act(case_id, "record_appraisal", appraisal or APPRAISAL_D))
    ok(upload(clerk, case_id, "meeting_minutes"), 201)
    ok(clerk.act(case_id, "submit_village_appraisal", GOOD_APPRAISAL))
    clock.travel(dt.timedelta(days=8))
    ok(upload(clerk, case_id, "notice_photo", jpeg_bytes(), "notice.jpg", "image/jpeg"), 201)
    ok(clerk.act(case_id, "close_village_notice"))
    ok(township.act(case_id, "township_approve", {"files_complete": True,
                                                  "spot_checked": True}))
    clock.travel(dt.timedelta(days=8))
    ok(township.act(case_id, "close_township_notice"))


PAYMENT = {"amount": "35000", "account": ACCOUNT, "voucher_no": "FK-2020-0617",
           "paid_on": "2020-06-17"}


def to_paid(apis: dict[str, Api], case_id: int) -> None:
    """From county approval to the subsidy paid (state 归档中); needs the clerk, the
    township and two housing bureau officials (housing approves, housing2 pays)."""
    ok(apis["housing"].act(case_id, "county_approve", APPROVAL))
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
    for name in ("clerk", "township", "housing2"):
        ok(apis[name].act(case_id, "inspect", inspection))
    ok(upload(apis["housing2"], case_id, "payment_voucher"), 201)
    ok(apis["housing2"].act(case_id, "pay_subsidy", PAYMENT))
