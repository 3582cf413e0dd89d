"""The auditor's trail (page, Excel, PDF) and the register trail show a county sector
official with the department (县行业部门（县农业农村局）), not three identical 县行业部门."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.documents.helpers import pdf_text
from tests.projects.helpers import apis_for, into_library, project_users, register
from workflow.audit import register as register_trail
from workflow.auth.models import User
from workflow.extensions import db

AGRI = "县行业部门（县农业农村局）"


def test_the_auditors_trails_show_the_sector_officials_department(client, world, as_user):
    project_users(world)
    apis = apis_for(client, "clerk", "township", "sector_agri", "leading", "county")
    case_id = into_library(apis, register(apis["clerk"]))
    auditor = as_user("auditor")
    page = auditor.get(f"/oversight/cases/{case_id}").get_data(as_text=True)
    assert AGRI in page
    book = load_workbook(io.BytesIO(auditor.get(f"/oversight/trail.xlsx?case={case_id}").data))
    rows = list(book.active.values)
    role = rows[0].index("角色")
    assert AGRI in {r[role] for r in rows[1:]}
    assert "县行业部门" not in {r[role] for r in rows[1:]}  # never without the department
    text = "".join(pdf_text(auditor.get(f"/oversight/trail.pdf?case={case_id}").data).split())
    assert f"农业局论证员（{AGRI}，" in text

    # A register change made by a department official reads the same way.
    water = db.session.execute(db.select(User).filter_by(username="sector_water")).scalar_one()
    register_trail.record(world.places["v1"].id, "personal_data_exported", water,
                          "导出个人信息（测试）", {}, {"county_sector"})
    db.session.commit()
    page = auditor.get("/oversight/register").get_data(as_text=True)
    assert "水利局论证员<br><span class=\"muted\">县行业部门（县水利局）</span>" in page
