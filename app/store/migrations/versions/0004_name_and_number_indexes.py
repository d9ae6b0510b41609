"""indexes for sorting the queue by name and document number

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 07:05:00
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index("ix_records_subject_name", ["subject_name"], unique=False)
        batch_op.create_index("ix_records_doc_number", ["doc_number"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_doc_number")
        batch_op.drop_index("ix_records_subject_name")
