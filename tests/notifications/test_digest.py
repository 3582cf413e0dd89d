"""The daily digest e-mail against a real SMTP server (aiosmtpd on loopback): one message a
day per user with their unread notifications of the kinds they receive, never twice, tried
again after the server refused it; the address set on the account page, checked."""
from __future__ import annotations

import datetime as dt
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from tests.web.test_pages import csrf
from workflow import clock
from workflow.extensions import db
from workflow.jobs.registry import PERIODIC
from workflow.notifications import operations as ops
from workflow.notifications.digest import send_digests, set_email


class Inbox:
    """aiosmtpd's handler: every message the server accepted."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.rcpt_tos, message_from_bytes(
            envelope.content, policy=policy.default)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    saved = {k: app.config.get(k) for k in ("SMTP_HOST", "SMTP_PORT")}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
    inbox.controller = controller
    yield inbox
    if inbox.controller is not None:
        inbox.controller.stop()
    app.config.update(saved)


def _notify(user, text: str, kind: str = "todo", key: str | None = None) -> None:
    ops.notify([user.id], kind, key or f"test:{text}", text, link="/cases/1")
    db.session.commit()


def test_one_message_a_day_with_the_unread_ones_and_never_twice(smtp, world):
    helper, clerk = world.users["helper"], world.users["clerk"]
    set_email(helper, "helper@example.cn")
    _notify(helper, "新的待办：王建国户脱贫")
    _notify(helper, "公示收到异议：王建国户", kind="objection")
    _notify(clerk, "新的待办：不发给没有邮箱的人")
    read = "新的待办：已读的不发"
    _notify(helper, read)
    for row in ops.listing(helper):
        if row.text == read:
            ops.mark_read(helper, row.id)

    assert send_digests() == (1, 0)
    assert len(smtp.messages) == 1
    recipients, mail = smtp.messages[0]
    assert recipients == ["helper@example.cn"]
    assert mail["Subject"] == "扶贫审批系统：您有 2 条未读通知"
    body = mail.get_content()
    assert "【新的待办】" in body and "王建国户脱贫" in body and "【公示异议】" in body
    assert read not in body

    assert send_digests() == (0, 0)  # nothing new since
    _notify(helper, "新的待办：同一天的第二件")
    assert send_digests() == (0, 1)  # today's digest went already
    assert len(smtp.messages) == 1

    clock.travel(dt.timedelta(days=1))
    assert send_digests() == (1, 0)
    body = smtp.messages[1][1].get_content()
    assert "同一天的第二件" in body and "王建国户脱贫" not in body


def test_a_kind_switched_off_is_left_out(smtp, world):
    helper = world.users["helper"]
    set_email(helper, "helper@example.cn")
    ops.set_preferences(helper, {"objection", "returned", "mention"})  # no 新的待办
    _notify(helper, "新的待办：不要发")
    assert send_digests() == (0, 0) and smtp.messages == []
    _notify(helper, "案件被退回：要发", kind="returned")
    assert send_digests() == (1, 0)
    assert "要发" in smtp.messages[0][1].get_content()


def test_a_refused_send_is_tried_again_on_the_next_run(smtp, world):
    helper = world.users["helper"]
    set_email(helper, "helper@example.cn")
    _notify(helper, "新的待办：服务器停了")
    port = smtp.controller.port
    smtp.controller.stop()
    smtp.controller = None
    assert send_digests() == (0, 1)
    smtp.controller = Controller(smtp, hostname="127.0.0.1", port=port)  # the server is back
    smtp.controller.start()
    assert send_digests() == (1, 0)
    assert "服务器停了" in smtp.messages[0][1].get_content()


def test_without_an_smtp_server_nothing_is_sent(app, world):
    set_email(world.users["helper"], "helper@example.cn")
    _notify(world.users["helper"], "新的待办：无服务器")
    assert app.config.get("SMTP_HOST") in (None, "")
    assert send_digests() == (0, 0)
    assert "notifications.digest" in PERIODIC


@pytest.mark.parametrize("value, message", [
    ("not-an-address", "「电子邮箱」格式不正确"),
    ("a@b", "「电子邮箱」格式不正确"),
    ("x" * 250 + "@a.cn", "「电子邮箱」不能超过 254 个字符"),
    ("zhang san@example.cn", "「电子邮箱」格式不正确"),
])
def test_the_account_page_checks_the_address_and_saves_nothing_bad(as_user, world, value,
                                                                    message):
    client = as_user("helper")
    token = csrf(client, "/account")
    response = client.post("/account/notification-email",
                           data={"email": value, "csrf_token": token})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert world.users["helper"].email is None


def test_the_account_page_saves_and_clears_the_address(as_user, world):
    client = as_user("helper")
    token = csrf(client, "/account")
    saved = client.post("/account/notification-email",
                        data={"email": " helper@example.cn ", "csrf_token": token})
    assert saved.status_code == 302
    db.session.expire_all()
    assert world.users["helper"].email == "helper@example.cn"
    page = client.get("/account").get_data(as_text=True)
    assert 'value="helper@example.cn"' in page
    client.post("/account/notification-email", data={"email": "", "csrf_token": token})
    db.session.expire_all()
    assert world.users["helper"].email is None
