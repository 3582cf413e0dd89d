"""administration trail (管理留痕)

Every administrative change (users and roles, places, populations, settings, archives)
is an event on the chain of the place it concerns (``admin_events``, hash-chained and
sealed like the register trail); the place row keeps the chain's length and head.

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("jurisdictions") as batch:
        batch.add_column(sa.Column("admin_seq", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("admin_head", sa.String(64), nullable=True))
    op.create_table(
        "admin_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("place_id", sa.Integer(), sa.ForeignKey("jurisdictions.id"), nullable=False),
        sa.Column("jurisdiction_path", sa.String(128), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("action_title", sa.String(64), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("actor_name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("target", sa.String(96), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("mac", sa.String(64), nullable=True),
        sa.UniqueConstraint("place_id", "seq"),
    )
    op.create_index("ix_admin_events_jurisdiction_path", "admin_events", ["jurisdiction_path"])
    op.create_index("ix_admin_events_actor_id", "admin_events", ["actor_id"])
    op.create_index("ix_admin_events_target", "admin_events", ["target"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_admin_events_path_pattern ON admin_events "
                   "(jurisdiction_path varchar_pattern_ops)")


def downgrade():
    op.drop_table("admin_events")
    with op.batch_alter_table("jurisdictions") as batch:
        batch.drop_column("admin_head")
        batch.drop_column("admin_seq")
