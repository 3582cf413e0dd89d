"""case tallies for boards and monthly reports; indexes for the to-do and person search

``case_tallies`` holds, per procedure, village path, case year and China-time month,
how many cases entered (+) and left (-) each state; it is filled from the existing
trail here and kept by the engine from now on (workflow/cases/tallies.py).

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

FILL = """
INSERT INTO case_tallies (procedure, jurisdiction_path, year, month, state, moves)
SELECT procedure, jurisdiction_path, year, month, state, SUM(n) FROM (
  SELECT c.procedure, c.jurisdiction_path, c.year, {month} AS month, e.to_state AS state, 1 AS n
    FROM audit_events e JOIN cases c ON c.id = e.case_id WHERE e.from_state <> e.to_state
  UNION ALL
  SELECT c.procedure, c.jurisdiction_path, c.year, {month}, e.from_state, -1
    FROM audit_events e JOIN cases c ON c.id = e.case_id
   WHERE e.from_state <> e.to_state AND e.from_state <> ''
) moves GROUP BY procedure, jurisdiction_path, year, month, state
"""
MONTH = {"postgresql": "to_char(e.at + interval '8 hours', 'YYYY-MM')",
         "sqlite": "strftime('%Y-%m', e.at, '+8 hours')"}


def upgrade():
    op.create_table(
        "case_tallies",
        sa.Column("procedure", sa.String(48), primary_key=True),
        sa.Column("jurisdiction_path", sa.String(128), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("state", sa.String(48), primary_key=True),
        sa.Column("moves", sa.Integer, nullable=False),
    )
    op.create_index("ix_audit_events_actor_id", "audit_events", ["actor_id"])
    dialect = op.get_bind().dialect.name
    op.execute(FILL.format(month=MONTH.get(dialect, MONTH["sqlite"])))
    if dialect == "postgresql":
        # The to-do list reads candidate ids in waiting order from this index alone.
        op.execute("CREATE INDEX ix_cases_todo ON cases (procedure, state, "
                   "jurisdiction_path varchar_pattern_ops) INCLUDE (state_entered_at, id)")
        # Prefix searches (scope, names typed from their first character) need
        # pattern_ops indexes on PostgreSQL; see 0007.
        op.execute("CREATE INDEX ix_case_tallies_path_prefix "
                   "ON case_tallies (procedure, jurisdiction_path varchar_pattern_ops)")
        op.execute("CREATE INDEX ix_households_head_name_prefix "
                   "ON households (head_name varchar_pattern_ops)")
        op.execute("CREATE INDEX ix_household_members_name_prefix "
                   "ON household_members (name varchar_pattern_ops)")
    else:
        op.create_index("ix_cases_todo", "cases",
                        ["procedure", "state", "jurisdiction_path", "state_entered_at"])
        op.create_index("ix_household_members_name", "household_members", ["name"])


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in ("ix_cases_todo", "ix_households_head_name_prefix",
                     "ix_household_members_name_prefix", "ix_case_tallies_path_prefix"):
            op.execute(f"DROP INDEX IF EXISTS {name}")
    else:
        op.drop_index("ix_cases_todo", "cases")
        op.drop_index("ix_household_members_name", "household_members")
    op.drop_index("ix_audit_events_actor_id", "audit_events")
    op.drop_table("case_tallies")
