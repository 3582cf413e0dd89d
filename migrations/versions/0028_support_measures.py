"""support measures: causes of poverty on households, labour capacity and schooling on
members, and the support_measures table (帮扶措施)

Revision ID: 0028
Revises: 0027
"""
import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('households') as batch:
        batch.add_column(sa.Column('main_cause', sa.String(length=24), nullable=True))
        batch.add_column(sa.Column('other_causes', sa.JSON(), nullable=True))
    with op.batch_alter_table('household_members') as batch:
        batch.add_column(sa.Column('labour_capacity', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('schooling', sa.String(length=16), nullable=True))
    op.create_table(
        'support_measures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('jurisdiction_path', sa.String(length=128), nullable=False),
        sa.Column('action', sa.String(length=24), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('department', sa.String(length=24), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.Column('entered_by_id', sa.Integer(), nullable=False),
        sa.Column('entered_by_name', sa.String(length=64), nullable=False),
        sa.Column('ended_reason', sa.String(length=200), nullable=True),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'], ondelete='CASCADE',
                                name=op.f('fk_support_measures_household_id_households')),
        sa.ForeignKeyConstraint(['member_id'], ['household_members.id'], ondelete='CASCADE',
                                name=op.f('fk_support_measures_member_id_household_members')),
        sa.ForeignKeyConstraint(['village_id'], ['jurisdictions.id'],
                                name=op.f('fk_support_measures_village_id_jurisdictions')),
        sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'],
                                name=op.f('fk_support_measures_entered_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_support_measures')),
    )
    for column in ('household_id', 'member_id', 'jurisdiction_path', 'action'):
        op.create_index(op.f(f'ix_support_measures_{column}'), 'support_measures', [column])

def downgrade():
    op.drop_table('support_measures')
    with op.batch_alter_table('household_members') as batch:
        batch.drop_column('schooling')
        batch.drop_column('labour_capacity')
    with op.batch_alter_table('households') as batch:
        batch.drop_column('other_causes')
        batch.drop_column('main_cause')
