"""sessions end server-side (per-user session generation) and login attempts shared across processes

users.session_generation is part of every browser session's user id: bumping it (logout,
new password, deactivation) ends the user's sessions. login_failures counts recent failed
logins per account and per address for every worker process (workflow/auth/throttle.py).

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_generation", sa.Integer(), nullable=False,
                                   server_default="0"))
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("kind", "subject", name="uq_login_failures_kind"),
    )


def downgrade():
    op.drop_table("login_failures")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_generation")
