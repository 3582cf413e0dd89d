"""delegation (授权代办): the delegations table and, on each trail event, whom a
sign-off was made for (on_behalf_of_id/_name) under which delegation; text messages:
the per-kind opt-in and when each notification went out

Revision ID: 0030
Revises: 0029
"""
import sqlalchemy as sa
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'delegations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('delegator_id', sa.Integer(), nullable=False),
        sa.Column('delegate_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=32), nullable=False),
        sa.Column('department', sa.String(length=24), nullable=True),
        sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
        sa.Column('jurisdiction_path', sa.String(length=128), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('ended_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['delegator_id'], ['users.id'],
                                name=op.f('fk_delegations_delegator_id_users')),
        sa.ForeignKeyConstraint(['delegate_id'], ['users.id'],
                                name=op.f('fk_delegations_delegate_id_users')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_delegations_created_by_id_users')),
        sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'],
                                name=op.f('fk_delegations_ended_by_id_users')),
        sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'],
                                name=op.f('fk_delegations_jurisdiction_id_jurisdictions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delegations')),
    )
    op.create_index('ix_delegations_delegate', 'delegations', ['delegate_id', 'ends_on'])
    op.create_index(op.f('ix_delegations_delegator_id'), 'delegations', ['delegator_id'])
    op.create_index(op.f('ix_delegations_jurisdiction_path'), 'delegations',
                    ['jurisdiction_path'])
    with op.batch_alter_table('audit_events') as batch:
        batch.add_column(sa.Column('on_behalf_of_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('on_behalf_of_name', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('delegation_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_audit_events_on_behalf_of_id_users'), 'users',
                                 ['on_behalf_of_id'], ['id'])
    # Text messages (notifications/sms.py): per-kind opt-in, and when each went out.
    with op.batch_alter_table('notification_preferences') as batch:
        batch.add_column(sa.Column('sms', sa.Boolean(), nullable=False, server_default='0'))
    with op.batch_alter_table('notifications') as batch:
        batch.add_column(sa.Column('sms_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications') as batch:
        batch.drop_column('sms_at')
    with op.batch_alter_table('notification_preferences') as batch:
        batch.drop_column('sms')
    with op.batch_alter_table('audit_events') as batch:
        batch.drop_constraint(op.f('fk_audit_events_on_behalf_of_id_users'), type_='foreignkey')
        batch.drop_column('delegation_id')
        batch.drop_column('on_behalf_of_name')
        batch.drop_column('on_behalf_of_id')
    op.drop_index(op.f('ix_delegations_jurisdiction_path'), table_name='delegations')
    op.drop_index(op.f('ix_delegations_delegator_id'), table_name='delegations')
    op.drop_index('ix_delegations_delegate', table_name='delegations')
    op.drop_table('delegations')
