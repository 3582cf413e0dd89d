"""下达日期 (allocation date): every interface takes it (today when not given), none takes
a future one, and no payment is dated before the money it pays out was allocated
(issue 13 item 8, "payment before allocation")."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.projects.helpers import (
    fund_source,
    into_library,
    ok,
    register,
    to_allocation,
    to_disbursement,
)
from workflow import clock
from workflow.engine.errors import Invalid
from workflow.extensions import db
from workflow.funds import operations as funds
from workflow.funds.models import Allocation, Disbursement

PAYMENT = {"amount": "20000", "voucher_no": "岫财报〔2020〕89号",
           "payee": "岫岩县绿源香菇专业合作社"}




@pytest.fixture
def accepted(apis, world):
    """A project accepted on 2020-10-20 whose fund_use case allocated 780,000 on
    ALLOCATED_ON from one source; a second source allocates the last 20,000 on 2020-11-01."""
    source = fund_source(world)
    later = fund_source(world, name="市级财政专项扶贫资金")
    project_id = register(apis["clerk"])
    into_library(apis, project_id)
    case_id = to_allocation(apis, project_id)
    to_disbursement(apis, case_id, source.id)
    funds.allocate(project_id, later.id, "20000", "岫财扶〔2020〕30号", world.users["county"],
                   channel="test", dated_on="2020-11-01")
    return case_id, project_id, source, later


def test_a_payment_before_the_allocation_is_refused_by_the_operation(accepted, world):
    _, project_id, _, later = accepted
    with pytest.raises(Invalid) as exc:  # after acceptance, before the money was allocated
        funds.disburse(project_id, later.id, "20000", "V-1", "2020-10-25", "合作社",
                       world.users["county"])
    assert exc.value.errors["paid_on"] == ["「拨付日期」不能早于资金下达日期（2020-11-01）"]
    assert db.session.execute(db.select(Disbursement)).first() is None
    paid = funds.disburse(project_id, later.id, "20000", "V-1", "2020-11-01", "合作社",
                          world.users["county"])  # the day it was allocated is fine
    assert paid.paid_on == dt.date(2020, 11, 1)


def test_a_payment_before_the_allocation_is_refused_through_the_case_api(apis, accepted):
    case_id, _, _, later = accepted
    response = apis["county"].act(case_id, "disburse", {**PAYMENT, "source_id": later.id,
                                                        "paid_on": "2020-10-25"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["paid_on"] == [
        "「拨付日期」不能早于资金下达日期（2020-11-01）"]
    assert db.session.execute(db.select(Disbursement)).first() is None


def test_money_allocated_after_the_payment_date_does_not_cover_it(apis, world):
    """Two allocations of one source: a payment dated between them may use only the first."""
    source = fund_source(world)
    project_id = register(apis["clerk"])
    into_library(apis, project_id)
    to_disbursement(apis, to_allocation(apis, project_id), source.id)  # 780,000 on 04-05
    funds.allocate(project_id, source.id, "20000", "A-2", world.users["county"], channel="test",
                   dated_on="2020-11-01")
    with pytest.raises(Invalid) as exc:
        funds.disburse(project_id, source.id, "800000", "V-1", "2020-10-25", "合作社",
                       world.users["county"])
    assert exc.value.errors["_guards"] == [
        "拨付 800,000.00 元超过该资金来源已安排未拨付的 780,000.00 元"
        "（不含拨付日期之后下达的资金）"]
    assert funds.disburse(project_id, source.id, "800000", "V-1", "2020-11-02", "合作社",
                          world.users["county"]).amount == 800000


def test_the_allocation_date_defaults_to_today_and_is_never_in_the_future(apis, world, app):
    source = fund_source(world)
    project_id = register(apis["clerk"])
    into_library(apis, project_id)
    county = world.users["county"]
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    future = [f"「下达日期」不能晚于今天（{clock.today().isoformat()}）"]
    with pytest.raises(Invalid) as exc:  # the operation
        funds.allocate(project_id, source.id, "1000", "A-1", county, channel="test",
                       dated_on=tomorrow)
    assert exc.value.errors["dated_on"] == future
    url = f"/api/v1/projects/{project_id}/allocations"
    body = {"source_id": source.id, "amount": "1000", "document_no": "A-2"}
    response = apis["county"].post(url, json={**body, "dated_on": tomorrow})  # the API
    assert response.status_code == 422 and response.get_json()["errors"]["dated_on"] == future
    for bad in ("2020-13-01", 20200401, {"a": 1}, "2020-4-1"):
        response = apis["county"].post(url, json={**body, "dated_on": bad})
        assert response.status_code == 422, bad
        assert response.get_json()["errors"]["dated_on"] == ["「下达日期」必须是日期（年-月-日）"]
    result = app.test_cli_runner().invoke(args=[  # the command line
        "funds", "allocate", "--user", "county", "--project", str(project_id), "--source",
        str(source.id), "--amount", "1000", "--document", "A-3", "--date", tomorrow])
    assert result.exit_code != 0 and future[0] in result.output
    assert db.session.query(Allocation).count() == 0
    made = ok(apis["county"].post(url, json=body), 201)
    assert made["dated_on"] == clock.today().isoformat()
    dated = ok(apis["county"].post(url, json={**body, "dated_on": "2020-03-02"}), 201)
    assert dated["dated_on"] == "2020-03-02"
    result = app.test_cli_runner().invoke(args=[
        "funds", "allocate", "--user", "county", "--project", str(project_id), "--source",
        str(source.id), "--amount", "1000", "--document", "A-4", "--date", "2020-03-03"])
    assert result.exit_code == 0, result.output
    assert [a.dated_on.isoformat() for a in db.session.query(Allocation).order_by(
        Allocation.id)] == [clock.today().isoformat(), "2020-03-02", "2020-03-03"]


def test_the_case_form_takes_the_allocation_date(apis, world):
    source = fund_source(world)
    project_id = register(apis["clerk"])
    into_library(apis, project_id)
    case_id = to_allocation(apis, project_id)
    step = {"source_id": source.id, "amount": "1000", "document_no": "A-1"}
    refused = apis["county"].act(case_id, "allocate_funds", {**step, "dated_on": "2031-01-01"})
    assert refused.status_code == 422 and "「下达日期」" in refused.get_json()["errors"][
        "dated_on"][0]
    ok(apis["county"].act(case_id, "allocate_funds", {**step, "dated_on": "2020-04-05"}))
    assert db.session.query(Allocation).one().dated_on == dt.date(2020, 4, 5)


def test_the_import_reads_an_optional_allocation_date_column(apis, world, app, tmp_path):
    source = fund_source(world)
    first, second = register(apis["clerk"]), register(apis["clerk"], name="第二个项目")
    into_library(apis, first)
    into_library(apis, second)
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.csv"
    bad.write_text("project_id,source_id,amount,document_no,下达日期\n"
                   f"{first},{source.id},5000,A-1,2020-04-01\n"
                   f"{second},{source.id},5000,A-2,2020-04-31\n", encoding="utf-8")
    result = runner.invoke(args=["funds", "import-allocations", "--user", "county", str(bad)])
    assert result.exit_code != 0
    assert "第 3 行：「下达日期」必须是日期（年-月-日）；整个文件未导入" in result.output
    assert db.session.query(Allocation).count() == 0
    good = tmp_path / "good.csv"
    good.write_text("project_id,source_id,amount,document_no,下达日期\n"
                    f"{first},{source.id},5000,A-1,2020-04-01\n"
                    f"{second},{source.id},5000,A-2,\n", encoding="utf-8")
    result = runner.invoke(args=["funds", "import-allocations", "--user", "county", str(good)])
    assert result.exit_code == 0, result.output
    english = tmp_path / "english.csv"
    english.write_text("project_id,source_id,amount,document_no,dated_on\n"
                       f"{first},{source.id},100,A-3,2020-05-06\n", encoding="utf-8")
    result = runner.invoke(args=["funds", "import-allocations", "--user", "county",
                                 str(english)])
    assert result.exit_code == 0, result.output
    assert [a.dated_on.isoformat() for a in db.session.query(Allocation).order_by(
        Allocation.id)] == ["2020-04-01", clock.today().isoformat(), "2020-05-06"]


def test_an_event_sealed_before_the_allocation_date_existed_still_verifies(
        apis, world, monkeypatch):
    """Events written before migration 0013 lack dated_on: not a mismatch (their rows got
    the China date of their system time); a later event that has it is compared."""
    from workflow.audit import funds as trail

    source = fund_source(world)
    project_id = register(apis["clerk"])
    into_library(apis, project_id)
    current = trail.allocation_data
    with monkeypatch.context() as patch:
        patch.setattr(trail, "allocation_data",
                      lambda row: {k: v for k, v in current(row).items() if k != "dated_on"})
        funds.allocate(project_id, source.id, "1000", "A-1", world.users["county"],
                       channel="test")
    funds.allocate(project_id, source.id, "1000", "A-2", world.users["county"], channel="test",
                   dated_on="2020-03-02")
    first, second = trail.events_for(source.id)
    assert "dated_on" not in first.data and second.data["dated_on"] == "2020-03-02"
    assert trail.verify()[1] == []
    db.session.execute(db.update(Allocation).values(dated_on=dt.date(2020, 1, 1)))
    db.session.commit()
    assert [p.reason for p in trail.verify()[1]] == [
        "资金安排 2 与留痕不符（下达日期）：记录被修改"]


def test_the_project_page_form_takes_the_allocation_date(apis, world, client):
    from tests.web.test_pages import csrf, login

    source = fund_source(world)
    project_id = register(apis["clerk"])
    into_library(apis, project_id)
    assert login(client, "county").status_code == 302
    form = {"source_id": source.id, "amount": "1000", "document_no": "A-1"}
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    page = client.post(f"/projects/{project_id}/allocations", data={
        **form, "csrf_token": csrf(client, f"/projects/{project_id}"), "dated_on": tomorrow},
        follow_redirects=True).get_data(as_text=True)
    assert "「下达日期」不能晚于今天" in page and db.session.query(Allocation).count() == 0
    page = client.post(f"/projects/{project_id}/allocations", data={
        **form, "csrf_token": csrf(client, f"/projects/{project_id}"),
        "dated_on": "2020-03-02"}, follow_redirects=True).get_data(as_text=True)
    assert "已安排资金 1,000.00 元" in page and "<td>2020-03-02</td>" in page
    assert db.session.query(Allocation).one().dated_on == dt.date(2020, 3, 2)
