"""notifications and comments: the notification centre (notifications, preferences) and
case comments (批注) on their own hash chain per case

Revision ID: 0025
Revises: 0024
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("event_key", sa.String(64), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE")),
        sa.Column("link", sa.String(200), nullable=False),
        sa.Column("text", sa.String(400), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime()),
        sa.UniqueConstraint("user_id", "event_key", "kind"),
    )
    op.create_index("ix_notifications_unread", "notifications", ["user_id", "read_at"])
    op.create_index("ix_notifications_case_id", "notifications", ["case_id"])
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "case_comments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("jurisdiction_path", sa.String(128), nullable=False),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("case_comments.id")),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("action_title", sa.String(64), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("actor_name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("mac", sa.String(64)),
        sa.UniqueConstraint("case_id", "seq"),
    )
    op.create_index("ix_case_comments_case_id", "case_comments", ["case_id"])
    op.create_index("ix_case_comments_actor_id", "case_comments", ["actor_id"])
    op.create_index("ix_case_comments_jurisdiction_path", "case_comments",
                    ["jurisdiction_path"])
    op.create_table(
        "case_comment_chains",
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("head", sa.String(64), nullable=False),
    )


def downgrade():
    op.drop_table("case_comment_chains")
    op.drop_table("case_comments")
    op.drop_table("notification_preferences")
    op.drop_index("ix_notifications_case_id", "notifications")
    op.drop_index("ix_notifications_unread", "notifications")
    op.drop_table("notifications")
