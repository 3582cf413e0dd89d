"""A county administrator manages its county's users only: it sees none of another
county's, grants only under its own place, changes none of its own roles, and cannot
deactivate or reset a user who also holds a role outside its county."""
from __future__ import annotations

import pytest

from tests.factories import Api
from workflow.admin import operations as ops
from workflow.auth.models import User
from workflow.engine.errors import Forbidden, Invalid, NotFound
from workflow.extensions import db


def _names(actor) -> set[str]:
    return {u.username for u in db.session.execute(ops.users_query(actor)).scalars()}


def test_each_county_admin_sees_only_its_county(two_counties):
    users = two_counties.users
    xiuyan = _names(users["admin"])
    assert {"clerk", "township", "county", "admin", "both"} <= xiuyan
    assert not {"taian_clerk", "taian_admin", "city", "city_admin"} & xiuyan
    assert _names(users["taian_admin"]) == {"taian_clerk", "taian_admin", "both"}
    assert {"taian_clerk", "clerk", "city", "both"} <= _names(users["city_admin"])
    with pytest.raises(NotFound):
        ops.user_in_scope(users["admin"], users["taian_clerk"].id)
    with pytest.raises(Forbidden):
        ops.users_query(users["county"])  # not an administrator


def test_a_user_in_two_counties_shows_only_the_admins_roles_and_cannot_be_deactivated(
        two_counties):
    admin, both = two_counties.users["admin"], two_counties.users["both"]
    shown = ops.visible_assignments(admin, both)
    assert [a.jurisdiction.name for a in shown] == ["偏岭镇"]
    assert ops.outside_roles(admin, both) == 1
    for change in (ops.deactivate, ops.reset_password, ops.end_sessions, ops.reactivate):
        with pytest.raises(Forbidden) as refused:
            change(admin, both)
        assert "管辖范围以外" in refused.value.message
    db.session.refresh(both)
    assert both.active and not both.must_change_password
    ops.deactivate(two_counties.users["city_admin"], both)  # the city admin can
    assert not both.active


def test_grants_only_under_its_own_place_and_never_its_own_roles(two_counties):
    users, admin = two_counties.users, two_counties.users["admin"]
    with pytest.raises(Invalid) as above:
        ops.grant(admin, users["clerk"], {"role": "admin", "jurisdiction": "210300"})
    assert "不在您的管辖范围内" in above.value.errors["jurisdiction"][0]
    with pytest.raises(Invalid):
        ops.grant(admin, users["clerk"], {"role": "village_clerk",
                                          "jurisdiction": "210321100201"})
    with pytest.raises(Forbidden):
        ops.grant(admin, admin, {"role": "auditor", "jurisdiction": "210323"})
    with pytest.raises(Forbidden):
        ops.revoke(admin, admin, admin.assignments[0].id)
    with pytest.raises(NotFound):  # the other county's role of `both` is not its to revoke
        ops.revoke(admin, users["both"], users["both"].assignments[1].id)


def test_grant_checks_level_and_department(two_counties):
    admin, clerk = two_counties.users["admin"], two_counties.users["clerk"]
    with pytest.raises(Invalid) as level:
        ops.grant(admin, clerk, {"role": "township_reviewer", "jurisdiction": "210323"})
    assert level.value.errors["jurisdiction"] == [
        "「乡镇审核」应授予乡镇级地区，「岫岩满族自治县」是县级"]
    with pytest.raises(Invalid) as department:
        ops.grant(admin, clerk, {"role": "county_sector", "jurisdiction": "210323"})
    assert department.value.errors["department"] == ["「县行业部门」须选择「部门」"]
    row = ops.grant(admin, clerk, {"role": "county_sector", "jurisdiction": "210323",
                                   "department": "water"})
    assert row.role_title == "县行业部门（县水利局）"
    with pytest.raises(Invalid) as bad:
        ops.grant(admin, clerk, {"role": "mayor", "jurisdiction": 210323, "x": 1})
    assert set(bad.value.errors) == {"role", "jurisdiction", "x"}


def test_the_api_refuses_other_counties_users(client, two_counties):
    api = Api(client, "admin")
    other = two_counties.users["taian_clerk"]
    listed = api.get("/api/v1/admin/users?per_page=100").get_json()
    assert "taian_clerk" not in {u["username"] for u in listed["items"]}
    assert api.get(f"/api/v1/admin/users/{other.id}").status_code == 404
    assert api.post(f"/api/v1/admin/users/{other.id}/deactivate").status_code == 404
    both = api.get(f"/api/v1/admin/users/{two_counties.users['both'].id}").get_json()
    assert len(both["roles"]) == 1 and both["roles_outside_scope"] == 1
    refused = api.post(f"/api/v1/admin/users/{two_counties.users['both'].id}/reset-password")
    assert refused.status_code == 403 and "管辖范围以外" in refused.get_json()["message"]
    assert Api(client, "county").get("/api/v1/admin/users").status_code == 403
    db.session.expire_all()
    assert db.session.get(User, other.id).active
