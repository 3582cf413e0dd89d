"""(reserved: county_archives — filled in by the work of issue 14; empty until then)

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
