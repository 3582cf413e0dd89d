"""``flask notifications digest``: send today's digest e-mails now (the worker does it at
08:30 China time; a second run the same day sends nothing twice); ``warnings`` and
``sms``: the time-limit warnings and the text messages now (the worker: hourly and
every ten minutes)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

notifications_cli = AppGroup("notifications", help="通知（每日摘要邮件）")


@notifications_cli.command("digest")
def digest_command() -> None:
    """发送今天的通知摘要邮件（已发送过的不再发送）。"""
    from workflow.notifications.digest import send_digests

    sent, skipped = send_digests()
    click.echo(f"digest: {sent} sent, {skipped} skipped")


@notifications_cli.command("warnings")
def warnings_command() -> None:
    """通知办理时限临期、超期的案件（每个案件、环节、级别只通知一次）。"""
    from workflow.notifications.warnings import send_warnings

    click.echo(f"limit warnings: {send_warnings()} handed to notify")


@notifications_cli.command("sms")
def sms_command() -> None:
    """发送用户选择以短信接收的新通知（SMS_SENDER 未设置时不发送）。"""
    from workflow.notifications.sms import send_pending

    sent, failed = send_pending()
    click.echo(f"sms: {sent} sent, {failed} failed")
