# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The task outbox (kernel/data/outbox.py), in every project, with or without Celery.

A revision that came and went with the `use_celery` answer would leave a database
stamped with a revision its code no longer has: so the table is always here, and
empty in a project without tasks.

Revision ID: k0002
Revises: k0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "k0002"
down_revision: str | None = "k0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "task_outbox"


def upgrade() -> None:
    if TABLE in sa.inspect(op.get_bind()).get_table_names():
        return  # made by create_all() before the kernel's chain was stamped
    op.create_table(
        TABLE,
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("task", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_outbox")),
    )
    op.create_index(op.f("ix_task_outbox_sent_at"), TABLE, ["sent_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_task_outbox_sent_at"), table_name=TABLE)
    op.drop_table(TABLE)
