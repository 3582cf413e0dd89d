"""`flask users password|deactivate|reset-password|revoke`: the account changes that must
end a user's sessions and tokens, through the administration operations, each recorded
on the administration trail as the command line (``audit.admin.cli_actor``)."""
from __future__ import annotations

import click
from flask import Flask

from workflow.audit.admin import as_cli
from workflow.auth.models import User
from workflow.extensions import db


def _user(name: str) -> User:
    user = db.session.execute(db.select(User).filter_by(username=name)).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"no user {name}")
    return user


@click.command("password")
@click.argument("name")
@click.password_option("--password", help="asked for when not given")
def users_password(name: str, password: str) -> None:
    """Set a new password (at least 10 characters, not the user name, not a common
    password); every session and API token of the user ends."""
    from workflow.admin import operations

    as_cli(operations.set_password, _user(name), password)
    click.echo(f"password of {name} changed; its sessions and API tokens ended")


@click.command("deactivate")
@click.argument("name")
def users_deactivate(name: str) -> None:
    """Refuse the user's logins from now on; its sessions and API tokens end."""
    from workflow.admin import operations

    as_cli(operations.deactivate, _user(name))
    click.echo(f"{name} deactivated; its sessions and API tokens ended")


@click.command("reset-password")
@click.argument("name")
def users_reset_password(name: str) -> None:
    """Give the user a one-time password (printed once) to change at the next login;
    its sessions and API tokens end."""
    from workflow.admin import operations

    password = as_cli(operations.reset_password, _user(name))
    click.echo(f"one-time password of {name} (shown only now; to be changed at the next "
               f"login): {password}")


@click.command("revoke")
@click.argument("name")
@click.option("--role", required=True)
@click.option("--jurisdiction", "code", required=True)
def users_revoke(name: str, role: str, code: str) -> None:
    """Take one role over one jurisdiction away from the user."""
    from workflow.admin import operations

    user = _user(name)
    row = next((a for a in user.assignments
                if a.role == role and a.jurisdiction.code == code), None)
    if row is None:
        raise click.ClickException(f"{name} has no role {role} over {code}")
    as_cli(operations.revoke, user, row.id)
    click.echo(f"revoked {role} over {code} from {name}")


def init_app(app: Flask) -> None:
    """Add the commands to the `users` group (workflow/cli.py registers the group)."""
    group = app.cli.commands["users"]
    for command in (users_password, users_deactivate, users_reset_password, users_revoke):
        group.add_command(command)
