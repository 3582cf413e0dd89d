"""step-time tallies: how long cases stayed in each step, per place and month

``step_time_tallies`` holds, per procedure, China-time month of leaving, place (the
case's own and each above it), state and duration bucket, how many stays ended (with their seconds and how many overran
the step's time limit); it is filled from the existing trail here and kept by the engine
from now on (workflow/cases/step_times.py). Each case's ``state_entered_at`` is set to its
last state-changing event's moment, as the engine now writes it.

Revision ID: 0034
Revises: 0033
"""
import sqlalchemy as sa
from alembic import op

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'step_time_tallies',
        sa.Column('procedure', sa.String(length=48), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('jurisdiction_path', sa.String(length=128), nullable=False),
        sa.Column('state', sa.String(length=48), nullable=False),
        sa.Column('bucket', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('cases', sa.Integer(), nullable=False),
        sa.Column('over_limit', sa.Integer(), nullable=False),
        sa.Column('seconds', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('procedure', 'month', 'jurisdiction_path', 'state', 'bucket'),
    )
    # Stays that ended before this revision, from the trail, with the engine's own code
    # (``flask audit tallies --rebuild`` does the same). ``flask db upgrade`` runs in the
    # app context: the app's session reads the committed trail, the rows are written on
    # the migration's connection. An empty database has nothing to fill.
    bind = op.get_bind()
    # Until now a move wrote ``state_entered_at`` a few microseconds before its event's
    # ``at``; from now on both are one moment. Align the rows with the trail, so that a
    # stay the engine ends from the row equals the one the trail gives.
    op.execute("UPDATE cases SET state_entered_at = (SELECT max(e.at) FROM audit_events e "
               "WHERE e.case_id = cases.id AND e.from_state <> e.to_state) "
               "WHERE EXISTS (SELECT 1 FROM audit_events e WHERE e.case_id = cases.id "
               "AND e.from_state <> e.to_state)")
    if bind.execute(sa.text("SELECT 1 FROM audit_events LIMIT 1")).first():
        from workflow.cases import step_times
        from workflow.extensions import db

        rows = [step_times._row(key, *sums)
                for key, sums in sorted(step_times.from_trail().items())]
        db.session.rollback()
        table = sa.table('step_time_tallies', *[sa.column(c) for c in step_times.COLUMNS])
        for start in range(0, len(rows), 5000):
            bind.execute(table.insert(), rows[start:start + 5000])


def downgrade():
    op.drop_table('step_time_tallies')
