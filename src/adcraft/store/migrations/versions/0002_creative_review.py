"""creative review: pending creatives, origin, reviewer edits, auto-approve, job yield

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 10:00:00

Creatives already stored keep their status (what was serving keeps serving); their origin is read
from their generation record (a regenerate job's creatives are "regenerated"). Finished jobs get
n_produced = n_active + n_blocked, which is what they stored.

Columns are added and dropped with plain ALTER TABLE, never batch mode: on SQLite batch mode copies
a table and drops the old one, and with foreign keys on, dropping `campaigns` would cascade-delete
every creative, job and decision.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = {
    "campaigns": [sa.Column("auto_approve", sa.Boolean(), server_default=sa.false(), nullable=False)],
    "creatives": [
        sa.Column("origin", sa.String(length=16), server_default="generated", nullable=False),
        sa.Column("original_fields", sa.JSON(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
    ],
    "generation_jobs": [
        sa.Column("n_produced", sa.Integer(), server_default="0", nullable=False),
        sa.Column("n_pending", sa.Integer(), server_default="0", nullable=False),
        sa.Column("dropped_reasons", sa.JSON(), server_default="[]", nullable=False),
    ],
}


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        for column in columns:
            op.add_column(table, column)

    bind = op.get_bind()
    creatives = sa.table("creatives", sa.column("id", sa.Integer()), sa.column("generation", sa.JSON()),
                         sa.column("origin", sa.String()))
    regenerated = [row.id for row in bind.execute(sa.select(creatives.c.id, creatives.c.generation))
                   if isinstance(row.generation, dict) and row.generation.get("kind") == "regenerate"]
    if regenerated:
        bind.execute(creatives.update().where(creatives.c.id.in_(regenerated)).values(origin="regenerated"))
    jobs = sa.table("generation_jobs", sa.column("n_produced", sa.Integer()),
                    sa.column("n_active", sa.Integer()), sa.column("n_blocked", sa.Integer()))
    bind.execute(jobs.update().values(n_produced=jobs.c.n_active + jobs.c.n_blocked))


def downgrade() -> None:
    # SQLite >= 3.35 drops a column in place (alembic's drop_column would ask for batch mode)
    for table, columns in COLUMNS.items():
        for column in reversed(columns):
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column.name}")
