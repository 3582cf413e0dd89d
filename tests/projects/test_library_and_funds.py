"""Project library, fund use, assets and ledgers (DOMAIN.md §4)."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.projects.helpers import (
    ASSET,
    TARGETS,
    fund_source,
    into_library,
    ok,
    register,
    to_allocation,
    to_disbursement,
)
from workflow.audit.chain import verify
from workflow.engine.errors import Invalid
from workflow.extensions import db
from workflow.funds import operations as funds
from workflow.funds.ledgers import check_ledgers
from workflow.funds.models import Allocation, Disbursement, PaymentRecord
from workflow.projects.models import Asset, Project


def test_library_fund_use_acceptance_asset_and_disbursement(apis, world, client):
    source = fund_source(world)
    project_id = register(apis["clerk"])
    into_library(apis, project_id)
    project = db.session.get(Project, project_id)
    assert project.in_library and project.entered_library_on is not None
    case_id = to_allocation(apis, project_id)
    to_disbursement(apis, case_id, source.id)
    asset = db.session.execute(db.select(Asset)).scalar_one()
    assert asset.asset_class == "operating" and asset.value == Decimal("780000.00")
    assert asset.fund_sources == [{"source": "县级财政专项扶贫资金", "amount": "780000.00"}]
    assert asset.owner == ASSET["owner"]
    body = ok(apis["county"].act(case_id, "disburse", {
        "source_id": source.id, "amount": "780000", "voucher_no": "岫财报〔2020〕88号",
        "paid_on": "2020-10-25", "payee": "岫岩县绿源香菇专业合作社"}))
    assert body["state"] == "completed"
    payment = db.session.execute(db.select(PaymentRecord)).scalar_one()
    assert payment.amount == Decimal("780000.00")
    assert check_ledgers() == []
    assert verify()[1] == []
    remaining = ok(apis["county"].get("/api/v1/fund-sources"))[0]["remaining"]
    assert remaining == "14220000.00"


def test_no_targets_no_entry_and_the_right_department_appraises(apis, world):
    project_id = register(apis["clerk"], performance_targets=[])
    case_id = ok(apis["clerk"].post("/api/v1/cases", json={
        "procedure": "project_library", "subject_id": project_id}), 201)["id"]
    from tests.projects.helpers import PROPOSAL

    refused = apis["clerk"].act(case_id, "submit_proposal", PROPOSAL)
    assert refused.status_code == 422
    assert "未填写绩效目标" in refused.get_json()["errors"]["_guards"][0]
    project = db.session.get(Project, project_id)
    project.performance_targets = TARGETS
    db.session.commit()
    ok(apis["clerk"].act(case_id, "submit_proposal", PROPOSAL))
    # A water engineer may not appraise an industry project.
    from workflow.cases.models import Case

    case = db.session.get(Case, case_id)
    case.state = "sector_appraisal"
    db.session.commit()
    wrong = apis["sector_water"].act(case_id, "sector_approve", {
        "appraised_on": "2020-03-25", "conclusion": "同意"})
    assert wrong.status_code == 422
    assert "须由县农业农村局论证" in wrong.get_json()["errors"]["_guards"][0]


def test_project_fields_are_validated_in_chinese(apis):
    bad = apis["clerk"].post("/api/v1/projects", json={
        "name": "", "category": "casino", "nature": "new", "village": "999",
        "year": 1999, "location": "x", "starts_on": "2020-09-01", "ends_on": "2020-01-01",
        "responsible_unit": "x", "budget": "abc", "planned_sources": "x",
        "beneficiary_households": 1, "beneficiary_poor_households": 5,
        "beneficiary_poor_people": 1, "benefit_mechanism": "x"})
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]
    assert errors["name"] == ["「项目名称」为必填项"]
    assert "「项目类别」必须是" in errors["category"][0]
    assert "「年度」应在" in errors["year"][0] and "金额" in errors["budget"][0]
    assert db.session.query(Project).count() == 0


def test_allocation_outside_the_library_is_refused_through_every_interface(
        apis, world, client, app, tmp_path):
    from tests.web.test_pages import csrf, login

    source = fund_source(world)
    project_id = register(apis["clerk"])
    county = world.users["county"]
    reason = "未进入项目库，不得安排财政专项扶贫资金"
    # The operation itself.
    with pytest.raises(Invalid) as exc:
        funds.allocate(project_id, source.id, "1000", "岫财扶〔2020〕1号", county, channel="test")
    assert reason in exc.value.errors["_guards"][0]
    # The API.
    response = apis["county"].post(f"/api/v1/projects/{project_id}/allocations", json={
        "source_id": source.id, "amount": "1000", "document_no": "岫财扶〔2020〕1号"})
    assert response.status_code == 422 and reason in response.get_json()["errors"]["_guards"][0]
    # The browser form.
    assert login(client, "county").status_code == 302
    page = client.post(f"/projects/{project_id}/allocations", data={
        "csrf_token": csrf(client, f"/projects/{project_id}"), "source_id": source.id,
        "amount": "1000", "document_no": "岫财扶〔2020〕1号"}, follow_redirects=True)
    assert reason in page.get_data(as_text=True)
    # The command line, one allocation and a CSV import.
    runner = app.test_cli_runner()
    result = runner.invoke(args=["funds", "allocate", "--user", "county", "--project",
                                 str(project_id), "--source", str(source.id), "--amount",
                                 "1000", "--document", "岫财扶〔2020〕1号"])
    assert result.exit_code != 0 and reason in result.output
    in_library = register(apis["clerk"], name="已入库项目")
    into_library(apis, in_library)
    csv_file = tmp_path / "allocations.csv"
    csv_file.write_text("project_id,source_id,amount,document_no\n"
                        f"{in_library},{source.id},5000,岫财扶〔2020〕2号\n"
                        f"{project_id},{source.id},1000,岫财扶〔2020〕3号\n", encoding="utf-8")
    result = runner.invoke(args=["funds", "import-allocations", "--user", "county",
                                 str(csv_file)])
    assert result.exit_code != 0 and "第 3 行" in result.output and reason in result.output
    # A fund_use case whose project left the library before the allocation step.
    case_id = to_allocation(apis, in_library)
    db.session.get(Project, in_library).library_status = "removed"
    db.session.commit()
    refused = apis["county"].act(case_id, "allocate_funds", {
        "source_id": source.id, "amount": "1000", "document_no": "岫财扶〔2020〕4号"})
    assert refused.status_code == 422
    assert db.session.query(Allocation).count() == 0  # nothing from any interface


def test_over_budget_and_disbursement_before_acceptance_are_refused(apis, world, app):
    source = fund_source(world, budget="1000000")
    project_id = register(apis["clerk"])
    into_library(apis, project_id)
    api = apis["county"]
    url = f"/api/v1/projects/{project_id}/allocations"
    ok(api.post(url, json={"source_id": source.id, "amount": "600000.00",
                           "document_no": "A-1"}), 201)
    over = api.post(url, json={"source_id": source.id, "amount": "400000.01",
                               "document_no": "A-2"})
    assert over.status_code == 422
    assert "剩余 400,000.00 元" in over.get_json()["errors"]["_guards"][0]
    fen = api.post(url, json={"source_id": source.id, "amount": "1.005", "document_no": "A-3"})
    assert "精确到分" in fen.get_json()["errors"]["amount"][0]
    assert api.post(url, json={"source_id": source.id, "amount": 0.1,
                               "document_no": "A-4"}).status_code == 201
    with pytest.raises(Invalid) as exc:
        funds.disburse(project_id, source.id, "1000", "V-1", "2020-05-01", "某合作社",
                       world.users["county"])
    assert "尚未验收" in exc.value.errors["_guards"][0]
    assert db.session.query(Disbursement).count() == 0


def test_removal_is_a_procedure_refused_while_funds_are_unspent(apis, world):
    source = fund_source(world)
    project_id = register(apis["clerk"])
    into_library(apis, project_id)
    funds.allocate(project_id, source.id, "5000", "A-1", world.users["county"], channel="test")
    case_id = ok(apis["township"].post("/api/v1/cases", json={
        "procedure": "project_removal", "subject_id": project_id}), 201)["id"]
    ok(apis["township"].act(case_id, "propose_removal", {
        "reason": "not_feasible", "details": "选址地块被征用"}))
    decision = {"meeting_no": "岫扶领〔2020〕9号", "decided_on": "2020-06-01"}
    refused = apis["leading"].act(case_id, "approve_removal", decision)
    assert "尚未拨付" in refused.get_json()["errors"]["_guards"][0]
    db.session.execute(db.delete(Allocation))
    db.session.commit()
    assert ok(apis["leading"].act(case_id, "approve_removal", decision))["state"] == "removed"
    assert db.session.get(Project, project_id).library_status == "removed"


def test_funds_check_catches_a_ledger_edited_behind_the_applications_back(apis, world, app):
    source = fund_source(world)
    project_id = register(apis["clerk"])
    into_library(apis, project_id)
    to_disbursement(apis, to_allocation(apis, project_id), source.id)
    ok(apis["county"].act(db.session.query(Allocation).one().case_id, "disburse", {
        "source_id": source.id, "amount": "500000", "voucher_no": "V-1",
        "paid_on": "2020-10-25", "payee": "合作社"}))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["funds", "check"]).exit_code == 0
    db.session.execute(db.update(PaymentRecord).values(amount=Decimal("499000.00")))
    db.session.commit()
    result = runner.invoke(args=["funds", "check"])
    assert result.exit_code == 1 and "账账不符" in result.output
    db.session.execute(db.update(PaymentRecord).values(amount=Decimal("500000.00")))
    source.budget = Decimal("100")
    db.session.commit()
    result = runner.invoke(args=["funds", "check"])
    assert result.exit_code == 1 and "超过预算" in result.output


def test_asset_register_exports_to_excel(apis, world, client):
    from tests.web.test_pages import login

    source = fund_source(world)
    project_id = register(apis["clerk"])
    into_library(apis, project_id)
    to_disbursement(apis, to_allocation(apis, project_id), source.id)
    assert login(client, "township").status_code == 302
    page = client.get("/assets?class=operating").get_data(as_text=True)
    assert "香菇大棚 12 栋" in page and "经营性资产" in page
    response = client.get("/assets.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.values)
    assert rows[0][:4] == ("资产编号", "资产名称", "资产类别", "资产价值（元）")
    assert rows[1][1] == "香菇大棚 12 栋" and rows[1][2] == "经营性资产"
    assert Decimal(str(rows[1][3])) == Decimal("780000")
    assert client.get("/assets?class=public").get_data(as_text=True).count("香菇大棚") == 0
