"""``flask notifications digest``: send today's digest e-mails now (the worker does it at
08:30 China time; a second run the same day sends nothing twice)."""
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
