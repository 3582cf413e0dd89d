"""What officials read on the pages: upload errors beside the file field, a to-do that
suggests only what the user's roles can start, the department of a sector official,
and no technical fields (definition hashes) for officials."""
from __future__ import annotations

import io

from tests.documents.helpers import fetch_pdf, pdf_text
from tests.factories import Api
from tests.housing.helpers import housing_users, make_house, start
from tests.projects.helpers import apis_for, into_library, project_users, register
from tests.web.test_pages import csrf, login, new_case


def test_a_refused_upload_is_shown_beside_the_file_field(client, world):
    housing_users(world)
    case_id = start({"clerk": Api(client, "clerk")}, make_house(world.households[0]))
    login(client, "clerk")
    token = csrf(client, f"/cases/{case_id}")
    bad = client.post(f"/cases/{case_id}/evidence", data={
        "csrf_token": token, "kind": "photo_before",
        "file": (io.BytesIO(b"not an image"), "a.jpg", "image/jpeg")},
        content_type="multipart/form-data")
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    form = page[page.index('id="upload-form"'):]
    form = form[:form.index("</form>")]
    assert 'id="evidence-file-error"' in form and 'aria-invalid="true"' in form
    assert "上传未成功" in page and 'class="alert alert-error"' not in page
    assert '<option value="photo_before" selected' in form  # the kind chosen stays chosen
    empty = client.post(f"/cases/{case_id}/evidence", data={"csrf_token": token,
                                                             "kind": "photo_before"},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert "「文件」为必填项</span>" in empty


def test_the_empty_to_do_suggests_only_what_the_roles_can_start(client, world):
    project_users(world)
    login(client, "sector_water")
    page = client.get("/").get_data(as_text=True)
    empty = page[page.index('id="todo-empty"'):page.index("</div>", page.index("todo-empty"))]
    assert "发起新的案件" not in empty and "农户" not in empty
    assert "县行业部门（县水利局）" in empty and "不发起案件" in empty
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    login(client, "clerk")
    page = client.get("/").get_data(as_text=True)
    assert "在 <a href=\"/households\">农户</a> 页面发起贫困户退出" in page
    assert "危房改造</a> 页面发起农村危房改造" in page and "不发起案件" not in page


def test_sector_officials_are_shown_with_their_department(client, world):
    project_users(world)
    apis = apis_for(client, "clerk", "township", "sector_agri", "leading", "county")
    case_id = into_library(apis, register(apis["clerk"]))
    login(client, "county")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "县行业部门（县农业农村局）" in page
    sheet = "".join(pdf_text(fetch_pdf(apis["county"], f"/cases/{case_id}/sheet.pdf")).split())
    assert "农业局论证员（县行业部门（县农业农村局））" in sheet
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    login(client, "sector_water")
    assert "县行业部门（县水利局）（" in client.get("/").get_data(as_text=True)  # top bar


def test_definition_hashes_are_for_auditors_not_officials(client, world):
    case = new_case(world)
    login(client, "clerk")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "流程版本" not in page and case.definition_version[:8] not in page
    assert "<th>哈希</th>" not in page
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    login(client, "auditor")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "流程版本" in page and case.definition_version[:8] in page
