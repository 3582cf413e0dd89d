"""Money-flow dates: a disbursement is never dated in the future nor before the
project's acceptance, whether it comes through a fund_use case or straight to funds."""
from __future__ import annotations

import pytest

from tests.projects.helpers import (
    apis_for,
    fund_source,
    into_library,
    project_users,
    register,
    to_allocation,
    to_disbursement,
)
from workflow import clock
from workflow.engine.errors import Invalid
from workflow.extensions import db
from workflow.funds import operations as funds
from workflow.funds.models import Disbursement


@pytest.fixture
def accepted(client, world):
    """A project in the library, accepted (county spot check dated 2020-10-20)."""
    project_users(world)
    apis = apis_for(client, "clerk", "township", "county", "sector_agri", "leading")
    source = fund_source(world)
    project_id = register(apis["clerk"])
    into_library(apis, project_id)
    case_id = to_allocation(apis, project_id)
    to_disbursement(apis, case_id, source.id)
    return apis, case_id, project_id, source


PAYMENT = {"amount": "780000", "voucher_no": "岫财报〔2020〕88号",
           "payee": "岫岩县绿源香菇专业合作社"}


def test_a_voucher_dated_before_the_acceptance_is_refused(accepted):
    apis, case_id, _, source = accepted
    # After the township's acceptance (2020-10-10) but before the county's (2020-10-20).
    response = apis["county"].act(case_id, "disburse", {**PAYMENT, "source_id": source.id,
                                                        "paid_on": "2020-10-15"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["paid_on"] == [
        "「拨付日期」不能早于项目验收日期（2020-10-20）"]
    response = apis["county"].act(case_id, "disburse", {**PAYMENT, "source_id": source.id,
                                                        "paid_on": "2020-10-01"})
    assert response.get_json()["errors"]["paid_on"] == [
        "「拨付日期」不能早于“乡镇验收合格，报县抽查”的「验收日期」（2020-10-10）"]
    assert db.session.execute(db.select(Disbursement)).first() is None


def test_a_future_disbursement_straight_to_funds_is_refused(accepted, world):
    _, _, project_id, source = accepted
    with pytest.raises(Invalid) as exc:
        funds.disburse(project_id, source.id, "1000", "V-1", "2031-01-01", "合作社",
                       world.users["county"])
    assert exc.value.errors["paid_on"] == [
        f"「拨付日期」不能晚于今天（{clock.today().isoformat()}）"]
    assert db.session.execute(db.select(Disbursement)).first() is None
