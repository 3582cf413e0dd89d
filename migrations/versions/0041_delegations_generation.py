"""cache generations: a token for the delegations, so that every process may keep the
list of delegates (workflow/delegation/operations.py ``delegates``) from the start; with
no row a process would read the delegations on every request until the first was written

Revision ID: 0041
Revises: 0040
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0041'
down_revision = '0040'
branch_labels = None
depends_on = None


def upgrade():
    connection = op.get_bind()
    found = connection.execute(sa.text(
        "SELECT 1 FROM cache_generations WHERE name = 'delegations'")).first()
    if found is None:
        connection.execute(sa.text(
            "INSERT INTO cache_generations (name, token) VALUES ('delegations', :token)"),
            {"token": secrets.token_hex(16)})


def downgrade():
    op.execute("DELETE FROM cache_generations WHERE name = 'delegations'")
