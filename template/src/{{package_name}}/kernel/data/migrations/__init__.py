# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The kernel's own tables get their own migrations, apart from the project's.

A migration the template adds to a kernel table (`token_families`, ...) must never
make a second head in the project's Alembic history, and the project's `flask db`
commands must keep working on one chain. So the kernel's revisions live here, in the
kernel package, and are recorded in their own version table (`VERSION_TABLE`).
`migrations/env.py` calls `upgrade_kernel_schema(connection)` before every online
`flask db` command: the kernel's tables are at the kernel's head before the project's
migrations run or autogenerate compares the models with the database. Offline (`--sql`)
scripts hold the project's chain only.

The kernel's tables refer to the project's only by value (no foreign key into a
user-owned table), so neither chain depends on the other's order.
"""

from __future__ import annotations

from pathlib import Path

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

# The kernel's tables, so autogenerate compares them in every project: `task_outbox`
# is in every database (k0002), tasks or not.
from .. import outbox as outbox

#: Where the kernel records its revisions (the project's chain uses `alembic_version`).
VERSION_TABLE = "alembic_version_keel"
#: The kernel's revision files.
VERSIONS = Path(__file__).parent / "versions"


def kernel_script() -> ScriptDirectory:
    return ScriptDirectory(str(VERSIONS.parent), version_locations=[str(VERSIONS)])


def upgrade_kernel_schema(connection: Connection) -> list[str]:
    """Apply the kernel's pending revisions on `connection`, in one transaction.

    Returns the revisions applied (oldest first); none when the schema is current.
    """
    script = kernel_script()
    migration = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    try:
        current = migration.get_current_revision()
        pending = list(reversed(list(script.iterate_revisions("heads", current or "base"))))
        for revision in pending:
            with Operations.context(migration):
                revision.module.upgrade()
            migration.stamp(script, revision.revision)
    except BaseException:
        connection.rollback()
        raise
    connection.commit()
    return [revision.revision for revision in pending]


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """For `context.configure(include_name=...)`: autogenerate never sees the kernel's
    version table (it is in the database, not in the models)."""
    return not (type_ == "table" and name == VERSION_TABLE)
