# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The token families table, now the kernel's (it was the project's migration 0002).

A project generated before Keel 0.2.0 already has the table, created by 0002 in its own
chain with a foreign key to `users`: its rows are kept and the foreign key is dropped,
so the kernel's table no longer ties the two chains together. A new project gets the
table here.

Revision ID: k0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "k0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "token_families"


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if TABLE not in inspector.get_table_names():
        op.create_table(
            TABLE,
            sa.Column("id", sa.String(length=32), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("current_jti", sa.String(length=64), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("revoked_reason", sa.String(length=32), nullable=True),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_token_families")),
        )
        op.create_index(op.f("ix_token_families_user_id"), TABLE, ["user_id"], unique=False)
        return
    to_users = [
        fk["name"]
        for fk in inspector.get_foreign_keys(TABLE)
        if fk["referred_table"] == "users" and fk["name"]
    ]
    if to_users:
        with op.batch_alter_table(TABLE) as batch:
            for name in to_users:
                batch.drop_constraint(name, type_="foreignkey")


def downgrade() -> None:
    op.drop_index(op.f("ix_token_families_user_id"), table_name=TABLE)
    op.drop_table(TABLE)
