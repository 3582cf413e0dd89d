"""county archives: no schema change

An archive is a file, not rows: each export and import is an event on the
administration trail (admin_events, 0014), and ``flask archive import`` keeps the
archived ids, so nothing new is stored.

Revision ID: 0019
Revises: 0018
"""
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
