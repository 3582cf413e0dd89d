"""Proof on two nodes (issue 15, item 4): two gunicorn app servers on one PostgreSQL and one
Redis, over real HTTP. Identical sign-offs sent to both nodes at once never both land;
renovation approvals across nodes take unique, gapless archive numbers; a password-guessing
run split across the nodes is limited as one; a session started on one node works on the
other and ends on both; evidence uploaded on one node is served by the other; a batch print
whose queue worker is killed (SIGKILL) half-way finishes on the other worker, once, and the
other node serves a correct PDF.

CI runs WORKFLOW_TWO_NODE_RACES races (default 100); bench/bench_two_nodes.py runs 1,000.
"""
from __future__ import annotations

import os
import re
import signal
import time

import pytest
import requests

from tests.documents.helpers import cases_in, pdf_pages, pdf_text
from tests.factories import GOOD_SURVEY, PASSWORD, Api, id_number, make_household, make_user
from tests.housing.helpers import (
    APPROVAL,
    housing_users,
    make_house,
    pdf_bytes,
    start,
    to_county_approval,
)
from tests.production.nodes import Process, race, start_cluster, token
from workflow import clock
from workflow.audit.models import AuditEvent
from workflow.cases.models import Case
from workflow.cases.operations import create_cases
from workflow.extensions import db
from workflow.housing.models import ArchiveFile
from workflow.jobs.models import Job, JobFile

pytestmark = pytest.mark.postgres_only
RACES = int(os.environ.get("WORKFLOW_TWO_NODE_RACES", "100"))
APPROVALS = 6  # renovation cases approved at once, each on both nodes
BATCH = 24  # cases in the batch print whose worker is killed
# A dead queue worker is noticed in about two seconds; small chunks: the kill lands half-way.
JOB_SETTINGS = {"JOBS_HEARTBEAT_SECONDS": "0.5", "JOBS_STALLED_AFTER_SECONDS": "2",
                "JOBS_STALLED_CHECK_SECONDS": "0.5", "JOBS_POLL_SECONDS": "0.2",
                "DOCUMENTS_BATCH_CHUNK": "3"}
TOKEN_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="module")
def cluster(app):
    """Two nodes of two gunicorn workers each and two queue workers, for the whole module
    (a start costs seconds); stopped, process groups killed, after. Login limits small
    enough to reach in a test."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("needs PostgreSQL (set WORKFLOW_TEST_DATABASE_URL)")
    started = start_cluster(app, workers=2, LOGIN_RATE_LIMIT="20 per hour",
                            LOGIN_ADDRESS_FREE_FAILURES="1000", LOGIN_DELAY_SECONDS="60",
                            **JOB_SETTINGS)
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def nodes(cluster) -> list[str]:
    """The nodes' base URLs, their shared rate-limit counts emptied (as the suite's
    fixture empties the tables)."""
    cluster.reset_limits()
    return cluster.nodes


def sign_off_races(app, world, nodes: list[str], count: int) -> dict[str, object]:
    """``count`` household-exit cases, each one's survey sent by the same helper with the
    same version to both nodes at the same instant. Outcomes, doubles and time."""
    village, clerk = world.places["v1"], world.users["clerk"]
    households = []
    for i in range(count):  # ID numbers of their own: the factory's serial wraps at 1,000
        household = make_household(village, f"韩赟{i}")
        household.id_number = household.members[0].id_number = id_number(
            village.code[:6], f"1980{1 + i // 1000 % 12:02d}15", i % 1000)
        households.append(household)
    db.session.commit()
    cases = create_cases("household_exit", [h.id for h in households], clerk)
    versions = {c.id: c.version for c in cases}
    db.session.remove()
    headers = [token(node, "helper", PASSWORD) for node in nodes]
    groups = [[("POST", f"{node}/api/v1/cases/{case_id}/actions/submit_survey", head,
                {"version": version, "opinion": "同意", "data": GOOD_SURVEY})
               for node, head in zip(nodes, headers, strict=True)]
              for case_id, version in versions.items()]
    began = time.perf_counter()
    answers = race(groups)
    seconds = time.perf_counter() - began
    events = dict(db.session.execute(
        db.select(AuditEvent.case_id, db.func.count()).where(
            AuditEvent.case_id.in_(versions), AuditEvent.action == "submit_survey")
        .group_by(AuditEvent.case_id)).all())
    statuses = [sorted(status for status, _ in pair) for pair in answers]
    return {"races": count, "requests": 2 * count, "seconds": seconds,
            "outcomes": statuses, "events": events,
            "doubles": sum(1 for n in events.values() if n > 1)
            + sum(1 for pair in statuses if pair == [200, 200])}


def test_identical_sign_offs_on_both_nodes_never_both_land(app, world, nodes):
    result = sign_off_races(app, world, nodes, RACES)
    assert result["doubles"] == 0
    assert result["outcomes"] == [[200, 409]] * RACES  # one lands, one is refused as stale
    assert sorted(result["events"].values()) == [1] * RACES
    versions = db.session.execute(db.select(Case.version)).scalars().all()
    assert len(set(versions)) == 1  # every case moved exactly one step


def test_renovation_approvals_across_nodes_take_gapless_numbers(app, client, world, nodes):
    housing_users(world)
    households = [make_household(world.places["v1"], f"韩赟{i}", size=2)
                  for i in range(APPROVALS)]
    db.session.commit()
    apis = {n: Api(client, n) for n in ("clerk", "township")}
    case_ids = [start(apis, make_house(h)) for h in households]
    for case_id in case_ids:
        to_county_approval(apis, case_id)
    clock.reset()
    versions = {c: db.session.get(Case, c).version for c in case_ids}
    db.session.remove()
    one, two = nodes
    bureau = [token(node, name, PASSWORD) for node, name in ((one, "housing"),
                                                              (two, "housing2"))]
    body = lambda case_id: {"version": versions[case_id], "opinion": "同意",  # noqa: E731
                            "data": APPROVAL}
    # Every case approved on both nodes at once, by two officials, all at the same instant.
    requests_ = [("POST", f"{node}/api/v1/cases/{case_id}/actions/county_approve", head,
                  body(case_id))
                 for case_id in case_ids for node, head in zip(nodes, bureau,
                                                               strict=True)]
    (answers,) = race([requests_])
    assert sorted(status for status, _ in answers) == [200] * APPROVALS + [409] * APPROVALS
    files = db.session.execute(db.select(ArchiveFile).order_by(ArchiveFile.seq)).scalars().all()
    assert [f.seq for f in files] == list(range(1, APPROVALS + 1))
    assert sorted(f.case_id for f in files) == sorted(case_ids)
    assert len({f.number for f in files}) == APPROVALS


def test_password_guessing_split_across_nodes_is_limited_as_one(world, nodes):

    def guess(index: int, username: str) -> tuple[int, str]:
        answer = requests.post(f"{nodes[index % 2]}/api/v1/auth/token",
                               json={"username": username, "password": f"猜测-{index}"},
                               timeout=30)
        return answer.status_code, answer.json()["message"]

    # The login throttle (database): five free failures for the account, whichever node.
    at_account = [guess(i, "county") for i in range(12)]
    assert [s for s, _ in at_account] == [401] * 5 + [429] * 7
    assert all("秒后再试" in m for _, m in at_account[5:])
    # The rate limit (Redis): 20 logins an hour from this address, counted across nodes
    # (memory:// would let each of the four gunicorn workers allow 20).
    spread = [guess(i, f"nobody{i}") for i in range(20)]
    assert [s for s, _ in spread] == [401] * 8 + [429] * 12
    assert {m for _, m in spread[8:]} == {"登录尝试过于频繁，请稍后再试"}


def _csrf(session: requests.Session, url: str) -> str:
    match = TOKEN_FIELD.search(session.get(url, timeout=30).text)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def test_a_session_started_on_one_node_works_and_ends_on_both(world, nodes):
    one, two = nodes
    make_user("clerk2", ("village_clerk", world.places["v1"]))
    db.session.commit()
    browser = requests.Session()
    answer = browser.post(f"{one}/login", data={"username": "clerk", "password": PASSWORD,
                                                "csrf_token": _csrf(browser, f"{one}/login")},
                          allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text
    # The cookie jar sends the session cookie to either node (one site behind a proxy).
    on_two = browser.get(f"{two}/account", allow_redirects=False, timeout=30)
    assert on_two.status_code == 200 and "clerk" in on_two.text
    ended = browser.post(f"{two}/logout", data={"csrf_token": _csrf(browser, f"{two}/account")},
                         allow_redirects=False, timeout=30)
    assert ended.status_code == 302
    replay = requests.get(f"{one}/account", allow_redirects=False, timeout=30,
                          cookies=answer.cookies)
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]


def test_evidence_uploaded_on_one_node_is_served_by_the_other(client, world, nodes):
    """Uploads live in UPLOAD_FOLDER, which every node mounts (here: one folder)."""
    housing_users(world)
    household = make_household(world.places["v1"], "韩赟", size=2)
    db.session.commit()
    case_id = start({"clerk": Api(client, "clerk")}, make_house(household))
    db.session.remove()
    one, two = nodes
    clerk = token(one, "clerk", PASSWORD)
    scan = pdf_bytes()
    uploaded = requests.post(f"{one}/api/v1/cases/{case_id}/evidence", headers=clerk,
                             data={"kind": "application_form"}, timeout=30,
                             files={"file": ("申请表.pdf", scan, "application/pdf")})
    assert uploaded.status_code == 201, uploaded.text
    served = requests.get(f"{two}/api/v1/cases/{case_id}/evidence/{uploaded.json()['id']}",
                          headers=clerk, timeout=30)
    assert served.status_code == 200 and served.content == scan


def _job(job_id: str) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def _wait(job_id: str, ready, timeout: float = 180) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = _job(job_id)
        if ready(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id}: {job.status} {job.done}/{job.total} "
                         f"after {timeout} s ({job.error})")


def _login(node: str, username: str) -> requests.Session:
    browser = requests.Session()
    answer = browser.post(f"{node}/login", allow_redirects=False, timeout=30, data={
        "username": username, "password": PASSWORD,
        "csrf_token": _csrf(browser, f"{node}/login")})
    assert answer.status_code == 302, answer.text
    return browser


def test_a_batch_whose_worker_is_killed_finishes_on_the_other_worker(world, cluster, nodes):
    names = cases_in(world, "v1", BATCH)
    db.session.remove()
    one, two = nodes
    browser = _login(one, "county")
    asked = browser.post(f"{one}/documents/batch", allow_redirects=False, timeout=30, data={
        "csrf_token": _csrf(browser, f"{one}/documents/batch"), "kind": "cover"})
    assert asked.status_code == 302, asked.text
    job_id = asked.headers["Location"].rsplit("/", 1)[1]

    running = _wait(job_id, lambda j: j.status == "running" and j.done >= 3)
    pid = int(re.search(r":(\d+)#", running.worker).group(1))
    workers = {p.popen.pid: p for p in cluster.processes if p.name.startswith("worker-")}
    assert pid in workers, (running.worker, list(workers))
    victim: Process = workers.pop(pid)
    victim.kill(signal.SIGKILL)
    victim.popen.wait(timeout=30)
    assert _job(job_id).done < BATCH  # killed half-way

    done = _wait(job_id, lambda j: j.status in ("done", "failed", "cancelled"))
    assert done.status == "done" and done.attempts == 2, (done.status, done.error)
    (survivor,) = workers
    assert f":{survivor}#" in done.worker
    assert db.session.execute(db.select(db.func.count()).select_from(JobFile).where(
        JobFile.job_id == job_id)).scalar_one() == 1  # made once
    # Node 2 serves the file the other node's worker made (the same session cookie).
    pdf = browser.get(f"{two}/documents/batch/{job_id}/download", timeout=60)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf_pages(pdf.content) == BATCH
    text = re.sub(r"\s+", "", pdf_text(pdf.content))
    assert text.count("贫困户退出档案") == BATCH and all(name in text for name in names)
