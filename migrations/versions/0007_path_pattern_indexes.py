"""path prefix indexes for PostgreSQL

Scope filters are ``jurisdiction_path LIKE '<path>%'``. On PostgreSQL with a non-C
collation a plain btree index cannot serve LIKE, so every scoped page scanned the whole
table (220 ms for one village's households among 1,000,000); varchar_pattern_ops
indexes serve the prefix. SQLite needs nothing.

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TABLES = ("cases", "households", "houses", "projects", "assets", "findings")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"CREATE INDEX IF NOT EXISTS ix_{table}_path_prefix "
                   f"ON {table} (jurisdiction_path varchar_pattern_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_path_prefix")
