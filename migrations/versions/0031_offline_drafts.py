"""offline drafts: the receipt (idempotency key) of each draft the offline page sent and
the server applied, so that a draft sent twice acts once

Revision ID: 0031
Revises: 0030
"""
import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'offline_draft_receipts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=64), nullable=False),
        sa.Column('based_on_version', sa.Integer(), nullable=False),
        sa.Column('new_version', sa.Integer(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE',
                                name=op.f('fk_offline_draft_receipts_case_id_cases')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE',
                                name=op.f('fk_offline_draft_receipts_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_offline_draft_receipts')),
        sa.UniqueConstraint('user_id', 'key', name=op.f('uq_offline_draft_receipts_user_id')),
    )
    op.create_index(op.f('ix_offline_draft_receipts_case_id'), 'offline_draft_receipts',
                    ['case_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_offline_draft_receipts_case_id'),
                  table_name='offline_draft_receipts')
    op.drop_table('offline_draft_receipts')
