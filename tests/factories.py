"""Factories for places, users and households, an API helper, and a way to act from
several threads at the same instant; fictional people only."""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workflow.auth.models import RoleAssignment, User
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction, add_place
from workflow.registry.models import Household, Member
from workflow.registry.schemas import ID_CHECK, ID_WEIGHTS

PASSWORD = "Test-口令-2020"


def id_number(region: str, birth: str, serial: int) -> str:
    """A well-formed 18-digit ID number (valid check digit) for fictional people."""
    body = f"{region}{birth}{serial:03d}"
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return body + ID_CHECK[total % 11]


_serial = iter(range(1, 10**6))


def make_user(username: str, *grants: tuple[str, Jurisdiction], name: str | None = None) -> User:
    user = User(username=username, display_name=name or username)
    user.set_password(PASSWORD)
    db.session.add(user)
    for role, place in grants:
        db.session.add(RoleAssignment(user=user, role=role, jurisdiction=place))
    return user


def make_household(village: Jurisdiction, head: str = "王建国", size: int = 3,
                   status: str = "registered_poor") -> Household:
    # A birth date no test writes by hand: the serial runs on across tests, and a number
    # that matched a test's own fictional person would make that test depend on order.
    number = id_number(village.code[:6], "19700615", next(_serial) % 1000)
    members = [Member(name=head, relation="户主", id_number=number)]
    members += [Member(name=f"{head}家属{i}", relation="家属") for i in range(1, size)]
    household = Household(head_name=head, id_number=number, village=village,
                          jurisdiction_path=village.path, status=status, members=members,
                          registered_year=2016)
    db.session.add(household)
    return household


@dataclass
class World:
    places: dict[str, Jurisdiction]
    users: dict[str, User]
    households: list[Household] = field(default_factory=list)


def build_world() -> World:
    """鞍山市 > 岫岩县 > 两个乡镇 > 各一个村, with a user per role and three households."""
    city = add_place("210300", "鞍山市", "city")
    county = add_place("210323", "岫岩满族自治县", "county", city)
    pianling = add_place("210323106", "偏岭镇", "township", county)
    yanggu = add_place("210323107", "杨家堡镇", "township", county)
    v1 = add_place("210323106201", "大房身村", "village", pianling)
    v2 = add_place("210323107201", "石庙子村", "village", yanggu)
    users = {
        "clerk": make_user("clerk", ("village_clerk", v1), name="李秀英"),
        "team": make_user("team", ("work_team", v1), name="赵第一书记"),
        "helper": make_user("helper", ("helper", v1), name="孙帮扶"),
        "township": make_user("township", ("township_reviewer", pianling), name="周审核"),
        "county": make_user("county", ("county_poverty_office", county), name="吴扶贫办"),
        "city": make_user("city", ("city_poverty_office", city), name="郑市扶贫办"),
        "auditor": make_user("auditor", ("auditor", county), name="钱审计"),
        "other_clerk": make_user("other_clerk", ("village_clerk", v2), name="冯村干部"),
        "other_township": make_user("other_township", ("township_reviewer", yanggu)),
        "admin": make_user("admin", ("admin", county), name="陈管理员"),
    }
    households = [make_household(v1, "王建国"), make_household(v1, "张喆", size=2),
                  make_household(v2, "刘𠮷", size=4)]
    db.session.commit()
    return World(places={"city": city, "county": county, "pianling": pianling,
                         "yanggu": yanggu, "v1": v1, "v2": v2},
                 users=users, households=households)


GOOD_SURVEY = {
    "year": 2020, "household_size": 3, "wages": "9000", "farm_net": "3200.50",
    "business_net": "0", "property_income": "300", "transfers": "1500",
    "food_clothing_secure": True, "compulsory_education": True, "medical_insured": True,
    "housing_safe": True, "safe_water": True, "notes": "务工收入稳定",
}
GOOD_APPRAISAL = {"meeting_date": "2020-04-10", "attendees": 31, "votes_for": 29,
                  "votes_against": 1, "minutes": "村民代表会议评议，同意退出"}
GOOD_CONSENT = {"agreed": True, "method": "in_person", "confirmed_on": "2020-04-12"}


class Api:
    """A logged-in API client for one user."""

    def __init__(self, client, username: str, password: str = PASSWORD):
        self.client = client
        response = client.post("/api/v1/auth/token",
                               json={"username": username, "password": password})
        assert response.status_code == 200, response.get_json()
        self.headers = {"Authorization": f"Bearer {response.get_json()['token']}"}

    def get(self, url: str, **kw):
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url: str, json: Any = None, **kw):
        return self.client.post(url, json=json, headers=self.headers, **kw)

    def act(self, case_id: int, action: str, data: dict | None = None, opinion: str = "同意",
            version: int | None = None):
        if version is None:
            version = self.get(f"/api/v1/cases/{case_id}").get_json()["version"]
        return self.post(f"/api/v1/cases/{case_id}/actions/{action}",
                         json={"version": version, "opinion": opinion, "data": data or {}})


def at_once(app, jobs: list[tuple], run: Callable[..., Any], timeout: float = 60) -> list[Any]:
    """Run ``run(ready, *job)`` for each job in its own thread and app context, released
    together: ``run`` does its set-up, calls ``ready()``, then acts. What each returned (or
    the exception it raised), in the order they finished."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[Any] = []

    def thread(job: tuple) -> None:
        with app.app_context():
            try:
                outcomes.append(run(barrier.wait, *job))
            except Exception as exc:  # noqa: BLE001 - the test asserts on the outcomes
                outcomes.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=thread, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    return outcomes


class Apis(dict):
    """API clients by user name, each logged in on first use (a token costs a hash)."""

    def __init__(self, client):
        super().__init__()
        self.client = client

    def __missing__(self, name: str) -> Api:
        self[name] = Api(self.client, name)
        return self[name]
