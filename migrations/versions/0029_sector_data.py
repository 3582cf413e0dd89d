"""sector data: department rosters imported per county (sector_imports, sector_records),
each county's sealed chain of imports and verifications (sector_chains, sector_events),
matching runs, their scratch hits and the discrepancies the villages verify

Revision ID: 0029
Revises: 0028
"""
import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sector_chains',
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_path', sa.String(length=128), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('head', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['county_id'], ['jurisdictions.id'], name=op.f('fk_sector_chains_county_id_jurisdictions')),
    sa.PrimaryKeyConstraint('county_id', name=op.f('pk_sector_chains'))
    )
    op.create_index(op.f('ix_sector_chains_jurisdiction_path'), 'sector_chains', ['jurisdiction_path'], unique=False)
    op.create_table('sector_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_path', sa.String(length=128), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('action_title', sa.String(length=64), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('actor_name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_sector_events_actor_id_users')),
    sa.ForeignKeyConstraint(['county_id'], ['jurisdictions.id'], name=op.f('fk_sector_events_county_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sector_events')),
    sa.UniqueConstraint('county_id', 'seq', name=op.f('uq_sector_events_county_id'))
    )
    op.create_index(op.f('ix_sector_events_actor_id'), 'sector_events', ['actor_id'], unique=False)
    op.create_index(op.f('ix_sector_events_jurisdiction_path'), 'sector_events', ['jurisdiction_path'], unique=False)
    op.create_table('sector_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_path', sa.String(length=128), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_sector_imports_actor_id_users')),
    sa.ForeignKeyConstraint(['county_id'], ['jurisdictions.id'], name=op.f('fk_sector_imports_county_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sector_imports'))
    )
    op.create_index(op.f('ix_sector_imports_county_id'), 'sector_imports', ['county_id'], unique=False)
    op.create_index(op.f('ix_sector_imports_jurisdiction_path'), 'sector_imports', ['jurisdiction_path'], unique=False)
    op.create_index(op.f('ix_sector_imports_sha256'), 'sector_imports', ['sha256'], unique=False)
    op.create_index(op.f('ix_sector_imports_source'), 'sector_imports', ['source'], unique=False)
    op.create_table('sector_match_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_path', sa.String(length=128), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('imports', sa.JSON(), nullable=False),
    sa.Column('found', sa.Integer(), nullable=False),
    sa.Column('opened', sa.Integer(), nullable=False),
    sa.Column('cleared', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Double(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_sector_match_runs_actor_id_users')),
    sa.ForeignKeyConstraint(['county_id'], ['jurisdictions.id'], name=op.f('fk_sector_match_runs_county_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sector_match_runs'))
    )
    op.create_index(op.f('ix_sector_match_runs_county_id'), 'sector_match_runs', ['county_id'], unique=False)
    op.create_index(op.f('ix_sector_match_runs_jurisdiction_path'), 'sector_match_runs', ['jurisdiction_path'], unique=False)
    op.create_table('sector_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('fact', sa.String(length=24), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['sector_imports.id'], name=op.f('fk_sector_records_import_id_sector_imports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sector_records'))
    )
    op.create_index('ix_sector_records_import_id_number', 'sector_records', ['import_id', 'id_number'], unique=False)
    op.create_table('sector_discrepancies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_path', sa.String(length=128), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('evidence', sa.String(length=200), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_sector_discrepancies_household_id_households')),
    sa.ForeignKeyConstraint(['import_id'], ['sector_imports.id'], name=op.f('fk_sector_discrepancies_import_id_sector_imports')),
    sa.ForeignKeyConstraint(['member_id'], ['household_members.id'], name=op.f('fk_sector_discrepancies_member_id_household_members')),
    sa.ForeignKeyConstraint(['run_id'], ['sector_match_runs.id'], name=op.f('fk_sector_discrepancies_run_id_sector_match_runs')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_sector_discrepancies_verified_by_id_users')),
    sa.ForeignKeyConstraint(['village_id'], ['jurisdictions.id'], name=op.f('fk_sector_discrepancies_village_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sector_discrepancies'))
    )
    op.create_index(op.f('ix_sector_discrepancies_jurisdiction_path'), 'sector_discrepancies', ['jurisdiction_path'], unique=False)
    op.create_index('ix_sector_discrepancies_key', 'sector_discrepancies', ['household_id', 'rule', 'status'], unique=False)
    op.create_index(op.f('ix_sector_discrepancies_run_id'), 'sector_discrepancies', ['run_id'], unique=False)
    op.create_index(op.f('ix_sector_discrepancies_status'), 'sector_discrepancies', ['status'], unique=False)
    op.create_index(op.f('ix_sector_discrepancies_village_id'), 'sector_discrepancies', ['village_id'], unique=False)
    op.create_table('sector_match_hits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_sector_match_hits_household_id_households')),
    sa.ForeignKeyConstraint(['import_id'], ['sector_imports.id'], name=op.f('fk_sector_match_hits_import_id_sector_imports')),
    sa.ForeignKeyConstraint(['member_id'], ['household_members.id'], name=op.f('fk_sector_match_hits_member_id_household_members')),
    sa.ForeignKeyConstraint(['run_id'], ['sector_match_runs.id'], name=op.f('fk_sector_match_hits_run_id_sector_match_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sector_match_hits'))
    )
    op.create_index(op.f('ix_sector_match_hits_run_id'), 'sector_match_hits', ['run_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_sector_match_hits_run_id'), table_name='sector_match_hits')
    op.drop_table('sector_match_hits')
    op.drop_index(op.f('ix_sector_discrepancies_village_id'), table_name='sector_discrepancies')
    op.drop_index(op.f('ix_sector_discrepancies_status'), table_name='sector_discrepancies')
    op.drop_index(op.f('ix_sector_discrepancies_run_id'), table_name='sector_discrepancies')
    op.drop_index('ix_sector_discrepancies_key', table_name='sector_discrepancies')
    op.drop_index(op.f('ix_sector_discrepancies_jurisdiction_path'), table_name='sector_discrepancies')
    op.drop_table('sector_discrepancies')
    op.drop_index('ix_sector_records_import_id_number', table_name='sector_records')
    op.drop_table('sector_records')
    op.drop_index(op.f('ix_sector_match_runs_jurisdiction_path'), table_name='sector_match_runs')
    op.drop_index(op.f('ix_sector_match_runs_county_id'), table_name='sector_match_runs')
    op.drop_table('sector_match_runs')
    op.drop_index(op.f('ix_sector_imports_source'), table_name='sector_imports')
    op.drop_index(op.f('ix_sector_imports_sha256'), table_name='sector_imports')
    op.drop_index(op.f('ix_sector_imports_jurisdiction_path'), table_name='sector_imports')
    op.drop_index(op.f('ix_sector_imports_county_id'), table_name='sector_imports')
    op.drop_table('sector_imports')
    op.drop_index(op.f('ix_sector_events_jurisdiction_path'), table_name='sector_events')
    op.drop_index(op.f('ix_sector_events_actor_id'), table_name='sector_events')
    op.drop_table('sector_events')
    op.drop_index(op.f('ix_sector_chains_jurisdiction_path'), table_name='sector_chains')
    op.drop_table('sector_chains')
