"""(reserved: users_and_accounts — filled in by the work of issue 14; empty until then)

Revision ID: 0015
Revises: 0014
"""
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
