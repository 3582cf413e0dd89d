"""settings by year and place

Policy figures (poverty lines, monitoring thresholds, notice lengths, deadlines, subsidy
ceilings, floor areas, targets ...) as append-only rows: key, JSON value, year or
effective date, place (NULL: installation-wide), document (文号), reason, who and when.

Revision ID: 0017
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "setting_values",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(96), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("place_id", sa.Integer(), sa.ForeignKey("jurisdictions.id"), nullable=True),
        sa.Column("place_path", sa.String(128), nullable=True),
        sa.Column("document", sa.String(128), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False, server_default=""),
        sa.Column("set_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_setting_values_key_place", "setting_values", ["key", "place_path"])


def downgrade():
    op.drop_table("setting_values")
