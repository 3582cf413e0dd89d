"""allocation date (下达日期) on fund allocations

``fund_allocations.dated_on`` is the date of the allocation document; a disbursement
may not be dated before it (workflow/funds/operations.py). Rows written before this
revision get the China date (UTC+8) of their system time ``at``.

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("fund_allocations") as batch:
        batch.add_column(sa.Column("dated_on", sa.Date(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE fund_allocations SET dated_on = CAST(at + INTERVAL '8 hours' AS date)")
    else:
        op.execute("UPDATE fund_allocations SET dated_on = date(at, '+8 hours')")
    with op.batch_alter_table("fund_allocations") as batch:
        batch.alter_column("dated_on", existing_type=sa.Date(), nullable=False)


def downgrade():
    with op.batch_alter_table("fund_allocations") as batch:
        batch.drop_column("dated_on")
