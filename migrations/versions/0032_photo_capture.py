"""photo capture: when an attachment (a photo taken in 外业采集) was taken and, if the
helper allowed it, where

Revision ID: 0032
Revises: 0031
"""
import sqlalchemy as sa
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attachments') as batch:
        batch.add_column(sa.Column('captured_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('latitude', sa.Float(), nullable=True))
        batch.add_column(sa.Column('longitude', sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table('attachments') as batch:
        batch.drop_column('longitude')
        batch.drop_column('latitude')
        batch.drop_column('captured_at')
