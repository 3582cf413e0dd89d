"""(reserved: settings_by_year_and_place — filled in by the work of issue 14; empty until then)

Revision ID: 0017
Revises: 0016
"""
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
