"""Project pages: register through the browser form, start the library case, print it."""
from __future__ import annotations

from tests.documents.helpers import fetch_pdf, pdf_text
from tests.projects.helpers import PROJECT, apis_for, project_users
from tests.web.test_pages import csrf, login
from workflow.extensions import db
from workflow.projects.models import Project


def test_register_a_project_in_the_browser_and_start_its_library_case(client, world):
    assert login(client, "clerk").status_code == 302
    token = csrf(client, "/projects/new")
    form = {k: str(v) for k, v in PROJECT.items() if k != "performance_targets"}
    page = client.post("/projects/new", data={**form, "csrf_token": token, "budget": "-5",
                                              "targets": "新增年产值"}).get_data(as_text=True)
    assert "「概算投资」应在 1 至 10 亿元之间" in page and "「目标值」为必填项" in page
    assert db.session.query(Project).count() == 0
    response = client.post("/projects/new", data={
        **form, "csrf_token": token, "targets": "新增年产值：60 万元\n带动增收：户均 2000 元"})
    assert response.status_code == 302
    project = db.session.execute(db.select(Project)).scalar_one()
    assert project.performance_targets[1] == {"indicator": "带动增收", "target": "户均 2000 元"}
    started = client.post(f"/projects/{project.id}/cases/project_library",
                          data={"csrf_token": csrf(client, f"/projects/{project.id}")})
    assert started.status_code == 302
    case_page = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "大房身村香菇大棚" in case_page and "新增年产值：60 万元" in case_page
    case_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    project_users(world)
    sheet = "".join(pdf_text(fetch_pdf(apis_for(client, "township")["township"],
                                       f"/cases/{case_id}/sheet.pdf")).split())
    assert "扶贫项目入库审批表" in sheet and "项目基本情况" in sheet
    assert "带贫减贫机制" in sheet and "县行业部门论证" in sheet


def test_the_project_form_reports_field_and_two_field_checks_together(client, world):
    assert login(client, "township").status_code == 302
    page = client.get("/projects/new").get_data(as_text=True)
    # The village is chosen from the scope (偏岭镇's villages), not typed as a code.
    village = page[page.index('<select id="p-village"'):]
    village = village[:village.index("</select>")]
    assert '<option value="210323106201"' in village and "大房身村" in village
    assert 'required aria-required="true"' in village
    assert '<input id="p-village"' not in page
    # Every required field is marked, the optional one (绩效目标) is not.
    assert page.count('<span class="req" aria-hidden="true">*</span>') == 15
    assert page.count('required aria-required="true"') == 15
    label = page[page.index('<label for="p-performance_targets">'):]
    assert 'class="req"' not in label[:label.index("</label>")]
    form = {k: str(v) for k, v in PROJECT.items() if k != "performance_targets"}
    bad = {**form, "csrf_token": csrf(client, "/projects/new"), "budget": "-5",
           "starts_on": "2020-09-30", "ends_on": "2020-04-01", "beneficiary_households": "10",
           "beneficiary_poor_households": "23", "beneficiary_poor_people": "12",
           "location": ""}
    page = client.post("/projects/new", data=bad).get_data(as_text=True)
    for message in ("「概算投资」应在 1 至 10 亿元之间", "「建设地点」为必填项",
                    "「完工时间」不能早于「开工时间」", "「受益贫困户数」不能多于「受益户数」",
                    "「受益贫困人口」不能少于「受益贫困户数」"):
        assert message in page, message
    assert 'id="p-ends_on-error"' in page and 'aria-invalid="true"' in page
    assert db.session.query(Project).count() == 0
