"""village designations: 低收入村 with their planned exit year and document

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "village_designations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("village_id", sa.Integer(), sa.ForeignKey("jurisdictions.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("planned_exit_year", sa.Integer(), nullable=False),
        sa.Column("document", sa.String(64), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("village_id", "kind", name="uq_village_designations_village_kind"),
    )
    op.create_index("ix_village_designations_village_id", "village_designations",
                    ["village_id"])


def downgrade():
    op.drop_table("village_designations")
