"""policy cards: each 明白卡 printed, with the digest of what it showed (current or
outdated when checked) and who printed it

Revision ID: 0036
Revises: 0035
"""
import sqlalchemy as sa
from alembic import op

revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'policy_cards',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('jurisdiction_path', sa.String(length=128), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=8), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('printed_at', sa.DateTime(), nullable=False),
        sa.Column('printed_by_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['printed_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('policy_cards') as batch:
        batch.create_index(batch.f('ix_policy_cards_jurisdiction_path'), ['jurisdiction_path'])
        batch.create_index('ix_policy_cards_household_code', ['household_id', 'code'])


def downgrade():
    op.drop_table('policy_cards')
