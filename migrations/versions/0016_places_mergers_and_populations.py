"""places: mergers (撤并) and rural populations per village and year

A merged place keeps its row, code and path (and everything filed under it) and records
its successor, the effective date and the document; ``village_populations`` holds each
village's rural population per year with its source and evidence.

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("jurisdictions") as batch:
        batch.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("merged_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("merge_document", sa.String(64), nullable=True))
        batch.create_foreign_key("fk_jurisdictions_merged_into_id", "jurisdictions",
                                 ["merged_into_id"], ["id"])
    op.create_table(
        "village_populations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("place_id", sa.Integer(), sa.ForeignKey("jurisdictions.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("document", sa.String(64), nullable=True),
        sa.Column("evidence_sha256", sa.String(64), nullable=True),
        sa.Column("evidence_filename", sa.String(128), nullable=True),
        sa.Column("evidence_mime", sa.String(64), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_village_populations_place_id", "village_populations", ["place_id"])


def downgrade():
    op.drop_table("village_populations")
    with op.batch_alter_table("jurisdictions") as batch:
        batch.drop_constraint("fk_jurisdictions_merged_into_id", type_="foreignkey")
        batch.drop_column("merge_document")
        batch.drop_column("merged_on")
        batch.drop_column("merged_into_id")
