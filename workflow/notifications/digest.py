"""The daily digest e-mail: each user with an address gets, once a day, their unread
notifications since the last digest, of the kinds they still receive.

Once means once: the day's ``notification_digests`` row is committed *before* the message
goes out (its unique (user, day) stops a second run, another worker or a retry), and is
deleted again when the SMTP server refuses the message, so the next run tries again. The
message is sent with the standard library's ``smtplib`` (SMTP with optional STARTTLS and
login, settings ``SMTP_*``); nothing is sent while ``SMTP_HOST`` is unset.
"""
from __future__ import annotations

import datetime as dt
import re
import smtplib
from email.message import EmailMessage
from email.utils import formataddr

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from workflow import clock
from workflow.auth.models import User
from workflow.engine.errors import Invalid
from workflow.extensions import db
from workflow.jobs.registry import periodic
from workflow.notifications.models import NotificationDigest
from workflow.notifications.operations import KINDS, pending_for_digest

EMAIL_LABEL = "电子邮箱"
MAX_EMAIL = 254
# Deliberately plain: one @, no spaces, a dot in the domain. The SMTP server is the judge
# of the rest; this catches typing mistakes with a message naming the field.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")
SUBJECT = "扶贫审批系统：您有 {count} 条未读通知"


def set_email(user: User, raw: object) -> str | None:
    """The user's digest address (empty clears it), committed; Invalid naming 电子邮箱."""
    value = raw.strip() if isinstance(raw, str) else None
    if value is None or "\x00" in value:
        raise Invalid("未保存", {"email": [f"「{EMAIL_LABEL}」含有无法识别的字符"]})
    if len(value) > MAX_EMAIL:
        raise Invalid("未保存", {"email": [f"「{EMAIL_LABEL}」不能超过 {MAX_EMAIL} 个字符"]})
    if value and not _EMAIL.match(value):
        raise Invalid("未保存", {"email": [
            f"「{EMAIL_LABEL}」格式不正确，例如 zhangsan@example.cn"]})
    user.email = value or None
    db.session.commit()
    return user.email


def send_digests(now: dt.datetime | None = None) -> tuple[int, int]:
    """Send today's digests: (messages sent, users skipped because theirs went already or
    the server refused). Each user in their own transaction."""
    config = current_app.config
    if not config.get("SMTP_HOST"):
        current_app.logger.info("digest: SMTP_HOST is not set, no e-mail sent")
        return 0, 0
    now = now or clock.utcnow()
    day = clock.to_local(now).date()
    sent = skipped = 0
    users = db.session.execute(select(User).where(
        User.active.is_(True), User.email.is_not(None)).order_by(User.id)).scalars().all()
    for user in users:
        since = db.session.execute(select(func.max(NotificationDigest.sent_at)).where(
            NotificationDigest.user_id == user.id)).scalar() or now - dt.timedelta(days=1)
        items = pending_for_digest(user, since)
        if not items:
            continue
        claim = NotificationDigest(user_id=user.id, day=day, count=len(items))
        db.session.add(claim)
        try:
            db.session.commit()  # the claim first: a second run finds it and stops
        except IntegrityError:
            db.session.rollback()
            skipped += 1
            continue
        try:
            _send(user, items)
        except (OSError, smtplib.SMTPException) as exc:
            db.session.delete(claim)
            db.session.commit()
            current_app.logger.warning("digest for user %s not sent: %s", user.id, exc)
            skipped += 1
            continue
        claim.sent_at = now
        db.session.commit()
        sent += 1
    return sent, skipped


def message(user: User, items: list) -> EmailMessage:
    """The digest as an e-mail: a line per notification, with a link when the public base
    address is configured."""
    config = current_app.config
    base = (config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    lines = [f"{user.display_name}，您好：", "", f"您有 {len(items)} 条未读通知：", ""]
    for item in items:
        when = clock.to_local(item.created_at).strftime("%m-%d %H:%M")
        link = f"  {base}{item.link}" if base and item.link else ""
        lines.append(f"【{KINDS.get(item.kind, item.kind)}】{when} {item.text}{link}")
    lines += ["", "请登录系统查看并办理。本邮件由系统自动发送，请勿回复。",
              "不想收到某类通知，可在“我的账号—通知设置”中取消勾选。"]
    mail = EmailMessage()
    mail["Subject"] = SUBJECT.format(count=len(items))
    mail["From"] = formataddr(("扶贫审批系统", config["MAIL_FROM"]))
    mail["To"] = formataddr((user.display_name, user.email))
    mail.set_content("\n".join(lines))
    return mail


def _send(user: User, items: list) -> None:
    config = current_app.config
    with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]),
                      timeout=int(config["SMTP_TIMEOUT_SECONDS"])) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
        smtp.send_message(message(user, items))


@periodic(cron="30 0 * * *", name="notifications.digest", title="每日通知摘要邮件")
def daily_digest() -> None:
    """08:30 China time: yesterday's unread notifications to each user's address."""
    sent, skipped = send_digests()
    current_app.logger.info("digest: %s sent, %s skipped", sent, skipped)
