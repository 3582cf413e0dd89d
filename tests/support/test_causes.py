"""Causes of poverty, labour capacity and schooling: edited like the rest of the register
(registry.edits), by those who visit the household, each change an event on the
village's register chain; an SQL edit of a household's causes is reported."""
from __future__ import annotations

from tests.audit.test_verify import run_verify, tamper
from tests.factories import Api
from tests.support.helpers import events
from tests.web.test_pages import csrf
from workflow.extensions import db
from workflow.registry.models import Household, Member


def test_causes_are_set_through_the_register_edit_and_land_on_the_chain(client, world, app,
                                                                        as_user):
    helper = Api(client, "helper")
    hid = world.households[0].id
    response = helper.client.patch(f"/api/v1/households/{hid}", headers=helper.headers, json={
        "version": 1, "main_cause": "illness", "other_causes": ["no_skills", "no_capital"]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["main_cause"] == "illness"
    [event] = events("household_edited")
    assert event.data["changes"]["main_cause"] == {"before": None, "after": "illness"}
    assert "「主要致贫原因」由“空”改为“因病”" in event.summary and event.role == "helper"
    assert "「其他致贫原因」由“空”改为“缺技术、缺资金”" in event.summary
    # The household page's history names the causes, not their codes.
    page = as_user("helper").get(f"/households/{hid}")
    history = page.get_data(as_text=True).split('id="history"')[1]
    assert "因病" in history and "illness" not in history and "no_skills" not in history
    bad = helper.client.patch(f"/api/v1/households/{hid}", headers=helper.headers, json={
        "version": 2, "main_cause": "bad_luck", "other_causes": ["illness", "illness"]})
    assert bad.status_code == 422
    assert bad.get_json()["errors"]["main_cause"][0].startswith(
        "「主要致贫原因」必须是：因病、因残")
    assert run_verify(app).exit_code == 0
    tamper("UPDATE households SET main_cause = 'disaster' WHERE id = :id", id=hid)
    result = run_verify(app)
    assert result.exit_code != 0 and "「主要致贫原因」与修改记录不符" in result.output


def test_labour_and_schooling_of_a_member(client, world):
    team = Api(client, "team")
    h = world.households[0]
    url = f"/api/v1/households/{h.id}/members/{h.members[2].id}"
    ok = team.client.patch(url, headers=team.headers, json={
        "version": 1, "labour_capacity": "none", "schooling": "junior"})
    assert ok.status_code == 200, ok.get_json()
    db.session.expire_all()
    member = db.session.get(Member, h.members[2].id)
    assert (member.labour_capacity, member.schooling) == ("none", "junior")
    [event] = events("member_edited")
    assert event.data["changes"]["schooling"] == {"before": None, "after": "junior"}
    bad = team.client.patch(url, headers=team.headers, json={"version": 2, "schooling": "PhD"})
    assert bad.status_code == 422 and bad.get_json()["errors"]["schooling"][0].startswith(
        "「在校生情况」必须是")
    other = Api(client, "other_clerk")
    assert other.client.patch(url, headers=other.headers, json={
        "version": 2, "schooling": "senior"}).status_code == 404


def test_the_household_support_page_forms(as_user, world):
    page = as_user("clerk")
    h = world.households[0]
    url = f"/support/households/{h.id}"
    shown = page.get(url)
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert "新增帮扶措施" in text and "贫困人口产业帮扶措施全覆盖" in text
    token = csrf(page, url)
    saved = page.post(f"{url}/causes", data={"csrf_token": token, "version": "1",
                                             "main_cause": "disability",
                                             "other_causes": ["no_labour"]})
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Household, h.id).other_causes == ["no_labour"]
    wrong = page.post(f"{url}/measures", data={"csrf_token": token, "kind": "industry_award",
                                               "department": "agriculture",
                                               "starts_on": "2020-03-01", "amount": "abc"})
    assert wrong.status_code == 422
    assert "「金额」必须是数字" in wrong.get_data(as_text=True)
    added = page.post(f"{url}/measures", data={"csrf_token": token, "kind": "industry_award",
                                               "department": "agriculture",
                                               "starts_on": "2020-03-01", "amount": "800"})
    assert added.status_code == 302
    listed = page.get(url).get_data(as_text=True)
    assert "产业奖补" in listed and "800.00" in listed and "李秀英" in listed
    assert as_user("other_clerk").get(url).status_code == 404
