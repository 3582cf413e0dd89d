"""register edits: row versions and member removal

Households, houses and projects carry a ``version`` that every change raises; an edit
(workflow/registry/edits.py, housing and projects operations) names the version it was
based on and is refused (409) when the row changed meanwhile. A household member who
leaves is not deleted: ``removed_on`` and ``removal_reason`` keep the row as history.

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

VERSIONED = ("households", "houses", "projects")


def upgrade():
    for table in VERSIONED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("version", sa.Integer(), nullable=False,
                                       server_default="1"))
    with op.batch_alter_table("household_members") as batch:
        batch.add_column(sa.Column("removed_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("removal_reason", sa.String(200), nullable=True))


def downgrade():
    with op.batch_alter_table("household_members") as batch:
        batch.drop_column("removal_reason")
        batch.drop_column("removed_on")
    for table in VERSIONED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
