"""household files (一户一档): each package made for a household and its parts (the
manifest: what each part was made from, its SHA-256, code and pages)

Revision ID: 0038
Revises: 0037
"""
import sqlalchemy as sa
from alembic import op

revision = '0038'
down_revision = '0037'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'household_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('jurisdiction_path', sa.String(length=128), nullable=False),
        sa.Column('code', sa.String(length=8), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code', name=op.f('uq_household_files_code')),
    )
    with op.batch_alter_table('household_files') as batch:
        batch.create_index(batch.f('ix_household_files_household_id'), ['household_id'])
        batch.create_index(batch.f('ix_household_files_jurisdiction_path'),
                           ['jurisdiction_path'])
    op.create_table(
        'household_file_parts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('file_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('source_id', sa.Integer(), nullable=True),
        sa.Column('source_version', sa.String(length=64), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('code', sa.String(length=8), nullable=True),
        sa.Column('first_page', sa.Integer(), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['file_id'], ['household_files.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('household_file_parts') as batch:
        batch.create_index(batch.f('ix_household_file_parts_file_id'), ['file_id'])


def downgrade():
    op.drop_table('household_file_parts')
    op.drop_table('household_files')
