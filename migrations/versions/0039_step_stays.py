"""step stays: one row per stay a case ended in a step (the slow-case list's source)

``step_stays`` holds, per ended stay, the case, procedure, China-time month of leaving,
the case's place, the state, when the stay began and ended, its seconds and whether it
overran the step's limit (workflow/cases/step_stays.py); filled from the existing trail
here with the engine's own code and kept by the engine from now on.

Revision ID: 0039
Revises: 0038
"""
import sqlalchemy as sa
from alembic import op

revision = '0039'
down_revision = '0038'
branch_labels = None
depends_on = None

COLUMNS = ("case_id", "procedure", "month", "jurisdiction_path", "state",
           "entered_at", "left_at", "seconds", "over_limit")


def upgrade():
    op.create_table(
        'step_stays',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('procedure', sa.String(length=48), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('jurisdiction_path', sa.String(length=128), nullable=False),
        sa.Column('state', sa.String(length=48), nullable=False),
        sa.Column('entered_at', sa.DateTime(), nullable=False),
        sa.Column('left_at', sa.DateTime(), nullable=False),
        sa.Column('seconds', sa.Integer(), nullable=False),
        sa.Column('over_limit', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_step_stays_place', 'step_stays',
                    ['procedure', 'month', 'state', 'jurisdiction_path'],
                    postgresql_ops={'jurisdiction_path': 'varchar_pattern_ops'})
    op.create_index('ix_step_stays_slowest', 'step_stays',
                    ['procedure', 'month', 'state', 'seconds'])
    # Stays that ended before this revision, from the trail (as 0034 filled the tallies):
    # the app's session reads the committed trail, the rows go in on the migration's
    # connection. An empty database has nothing to fill.
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM audit_events LIMIT 1")).first():
        from workflow.cases import step_times
        from workflow.extensions import db

        rows = [dict(zip(COLUMNS, stay, strict=True)) for stay in step_times.trail_stays()]
        db.session.rollback()
        table = sa.table('step_stays', *[sa.column(c) for c in COLUMNS])
        for start in range(0, len(rows), 5000):
            bind.execute(table.insert(), rows[start:start + 5000])


def downgrade():
    op.drop_index('ix_step_stays_slowest', table_name='step_stays')
    op.drop_index('ix_step_stays_place', table_name='step_stays')
    op.drop_table('step_stays')
