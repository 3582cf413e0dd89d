"""sector_match_hits: an index on (run_id, household_id, rule) for the run's merge

The merge clears every open discrepancy the run did not find again, one NOT EXISTS per
discrepancy over the run's hits; with only ``run_id`` indexed each read all the hits.

Revision ID: 0040
Revises: 0039
"""
from alembic import op

revision = '0040'
down_revision = '0039'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_sector_match_hits_key', 'sector_match_hits',
                    ['run_id', 'household_id', 'rule'])


def downgrade():
    op.drop_index('ix_sector_match_hits_key', table_name='sector_match_hits')
