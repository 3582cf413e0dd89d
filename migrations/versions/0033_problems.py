"""problems: 问题排查整改 — a problem found by a check, an inspection or an audit, the
subject of its rectification case

Revision ID: 0033
Revises: 0032
"""
import sqlalchemy as sa
from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'problems',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=100), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('category', sa.String(length=16), nullable=False),
        sa.Column('place_id', sa.Integer(), nullable=False),
        sa.Column('jurisdiction_path', sa.String(length=128), nullable=False),
        sa.Column('department', sa.String(length=24), nullable=True),
        sa.Column('found_place_id', sa.Integer(), nullable=False),
        sa.Column('found_level', sa.String(length=16), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=False),
        sa.Column('finding_id', sa.Integer(), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('recorded_by_name', sa.String(length=64), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['finding_id'], ['findings.id']),
        sa.ForeignKeyConstraint(['found_place_id'], ['jurisdictions.id']),
        sa.ForeignKeyConstraint(['place_id'], ['jurisdictions.id']),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('finding_id'),
    )
    with op.batch_alter_table('problems') as batch:
        batch.create_index(batch.f('ix_problems_jurisdiction_path'), ['jurisdiction_path'])
        batch.create_index(batch.f('ix_problems_place_id'), ['place_id'])
        batch.create_index(batch.f('ix_problems_source'), ['source'])


def downgrade():
    op.drop_table('problems')
