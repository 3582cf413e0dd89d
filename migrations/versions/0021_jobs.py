"""jobs: background jobs and their files (replacing document_jobs); Procrastinate's
schema on PostgreSQL

Revision ID: 0021
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("jurisdiction_path", sa.String(255), nullable=False, server_default=""),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("total", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("message", sa.String(200), nullable=False, server_default=""),
        sa.Column("error", sa.String(500), nullable=False, server_default=""),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("max_attempts", sa.Integer(), nullable=False, server_default="3"),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("worker", sa.String(64), nullable=False, server_default=""),
        sa.Column("queue_job_id", sa.BigInteger()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime()),
        sa.Column("finished_at", sa.DateTime()),
        sa.Column("heartbeat_at", sa.DateTime()),
    )
    op.create_index("ix_jobs_user_id", "jobs", ["user_id"])
    op.create_index("ix_jobs_status", "jobs", ["status"])
    op.create_index("ix_jobs_created_at", "jobs", ["created_at"])
    op.create_table(
        "job_files",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("job_id", sa.String(32), sa.ForeignKey("jobs.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("mimetype", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_job_files_job_id", "job_files", ["job_id"])
    op.create_index("ix_job_files_expires_at", "job_files", ["expires_at"])
    # Batch print jobs carry over as finished jobs (their files were on one server's disk
    # and are not copied: the page says to print again); unfinished ones as failed.
    op.execute("""
        INSERT INTO jobs (id, kind, user_id, jurisdiction_path, params, status, done, total,
                          message, error, attempts, max_attempts, cancel_requested, worker,
                          created_at, finished_at, heartbeat_at)
        SELECT id, 'batch_print', user_id, '', filters,
               CASE WHEN state = 'done' THEN 'done' ELSE 'failed' END, done, total,
               CASE WHEN state = 'done' THEN '文件已过期清理，请重新生成' ELSE '' END,
               CASE WHEN state = 'done' THEN '' ELSE '系统升级时任务中断，请重新提交' END,
               1, 3, false, '', created_at, COALESCE(finished_at, updated_at), updated_at
        FROM document_jobs""")
    op.drop_table("document_jobs")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from workflow.jobs import schema

        schema.create(bind.connection.dbapi_connection)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from workflow.jobs import schema

        schema.drop(bind.connection.dbapi_connection)
    op.create_table(
        "document_jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime()),
    )
    op.create_index("ix_document_jobs_user_id", "document_jobs", ["user_id"])
    op.create_index("ix_document_jobs_created_at", "document_jobs", ["created_at"])
    op.drop_table("job_files")
    op.drop_table("jobs")
