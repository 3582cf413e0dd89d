"""`flask users password` and `flask users deactivate`: the account changes that must end
a user's sessions and tokens, through the operations that do so."""
from __future__ import annotations

import click
from flask import Flask

from workflow.auth import operations
from workflow.auth.models import User
from workflow.extensions import db

MIN_PASSWORD = 8


def _user(name: str) -> User:
    user = db.session.execute(db.select(User).filter_by(username=name)).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"no user {name}")
    return user


@click.command("password")
@click.argument("name")
@click.password_option("--password", help="asked for when not given")
def users_password(name: str, password: str) -> None:
    """Set a new password; every session and API token of the user ends."""
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"the password needs at least {MIN_PASSWORD} characters")
    operations.set_password(_user(name), password)
    click.echo(f"password of {name} changed; its sessions and API tokens ended")


@click.command("deactivate")
@click.argument("name")
def users_deactivate(name: str) -> None:
    """Refuse the user's logins from now on; its sessions and API tokens end."""
    operations.deactivate(_user(name))
    click.echo(f"{name} deactivated; its sessions and API tokens ended")


def init_app(app: Flask) -> None:
    """Add the commands to the `users` group (workflow/cli.py registers the group)."""
    group = app.cli.commands["users"]
    for command in (users_password, users_deactivate):
        group.add_command(command)
