"""the register's own hash chains: register_events, and each village's chain head

Registering a household or importing a roster changes the 建档立卡 register outside any
case; each such change is now an event on its village's chain (workflow/audit/register.py).

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("jurisdictions") as batch:
        batch.add_column(sa.Column("register_seq", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("register_head", sa.String(64), nullable=True))
    op.create_table(
        "register_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("village_id", sa.Integer(), sa.ForeignKey("jurisdictions.id"), nullable=False),
        sa.Column("jurisdiction_path", sa.String(128), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("action_title", sa.String(64), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("actor_name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("village_id", "seq"),
    )
    op.create_index("ix_register_events_jurisdiction_path", "register_events",
                    ["jurisdiction_path"])
    op.create_index("ix_register_events_actor_id", "register_events", ["actor_id"])


def downgrade():
    op.drop_index("ix_register_events_actor_id", "register_events")
    op.drop_index("ix_register_events_jurisdiction_path", "register_events")
    op.drop_table("register_events")
    with op.batch_alter_table("jurisdictions") as batch:
        batch.drop_column("register_head")
        batch.drop_column("register_seq")
