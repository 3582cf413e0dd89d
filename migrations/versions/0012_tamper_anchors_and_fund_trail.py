"""chain heads anchored outside the database; allocations, disbursements and payments on a chain

Every chained event (audit_events, register_events and the new fund_events) gets ``mac``:
HMAC-SHA256 of its hash under the audit key, which is held outside the database
(workflow/audit/keys.py). Rows written before this revision have none until
`flask audit seal` checks their chains and seals them. Each fund source keeps the head of
its own chain of allocations and disbursements (workflow/audit/funds.py).

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    for table in ("audit_events", "register_events"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("mac", sa.String(64), nullable=True))
    with op.batch_alter_table("fund_sources") as batch:
        batch.add_column(sa.Column("trail_seq", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("trail_head", sa.String(64), nullable=True))
    op.create_table(
        "fund_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("fund_sources.id"), nullable=False),
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
        sa.Column("mac", sa.String(64), nullable=True),
        sa.UniqueConstraint("source_id", "seq"),
    )
    op.create_index("ix_fund_events_jurisdiction_path", "fund_events", ["jurisdiction_path"])
    op.create_index("ix_fund_events_actor_id", "fund_events", ["actor_id"])


def downgrade():
    op.drop_index("ix_fund_events_actor_id", "fund_events")
    op.drop_index("ix_fund_events_jurisdiction_path", "fund_events")
    op.drop_table("fund_events")
    with op.batch_alter_table("fund_sources") as batch:
        batch.drop_column("trail_head")
        batch.drop_column("trail_seq")
    for table in ("register_events", "audit_events"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("mac")
