"""sync batches, sync state and the serious-dishonesty list

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 05:48:09.015796
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('blacklist_entries',
    sa.Column('entry_id', sa.String(length=64), nullable=False),
    sa.Column('subject_name', sa.String(length=200), nullable=True),
    sa.Column('uscc', sa.String(length=18), nullable=True),
    sa.Column('id_sha256', sa.String(length=64), nullable=True),
    sa.Column('list_name', sa.String(length=200), nullable=False),
    sa.Column('listed_on', sa.String(length=10), nullable=True),
    sa.PrimaryKeyConstraint('entry_id')
    )
    with op.batch_alter_table('blacklist_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_blacklist_entries_id_sha256'), ['id_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_blacklist_entries_subject_name'), ['subject_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_blacklist_entries_uscc'), ['uscc'], unique=False)

    op.create_table('sync_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=36), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('client_ids', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('batch_id', sa.String(length=64), nullable=True),
    sa.Column('received_at', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('sync_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_batches_status'), ['status'], unique=False)

    op.create_table('sync_state',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_key', sa.String(length=36), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_column('batch_key')

    op.drop_table('sync_state')
    with op.batch_alter_table('sync_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_batches_status'))

    op.drop_table('sync_batches')
    with op.batch_alter_table('blacklist_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_blacklist_entries_uscc'))
        batch_op.drop_index(batch_op.f('ix_blacklist_entries_subject_name'))
        batch_op.drop_index(batch_op.f('ix_blacklist_entries_id_sha256'))

    op.drop_table('blacklist_entries')
