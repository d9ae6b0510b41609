"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 05:36:57.474578
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_years',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('year', 'source')
    )
    op.create_table('catalogs',
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('version')
    )
    op.create_table('records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('accepted_revision', sa.Integer(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('catalog_version', sa.String(length=64), nullable=False),
    sa.Column('subject_name', sa.String(length=200), nullable=True),
    sa.Column('subject_key', sa.String(length=128), nullable=True),
    sa.Column('doc_number', sa.String(length=128), nullable=True),
    sa.Column('doc_key', sa.String(length=128), nullable=True),
    sa.Column('decision_date', sa.String(length=10), nullable=True),
    sa.Column('deadline', sa.String(length=10), nullable=True),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('warning_count', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.String(length=64), nullable=True),
    sa.Column('platform_message', sa.JSON(), nullable=True),
    sa.Column('first_received_at', sa.String(length=40), nullable=True),
    sa.Column('edited_while_sending', sa.Integer(), nullable=False),
    sa.Column('pending_action', sa.String(length=16), nullable=False),
    sa.Column('withdraw_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id')
    )
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.create_index('ix_records_deadline', ['deadline'], unique=False)
        batch_op.create_index('ix_records_decision_date', ['decision_date'], unique=False)
        batch_op.create_index('ix_records_kind_doc', ['kind', 'doc_key'], unique=False)
        batch_op.create_index('ix_records_state_kind', ['state', 'kind'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=36), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('old_state', sa.String(length=16), nullable=True),
    sa.Column('new_state', sa.String(length=16), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['records.client_id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_client_id'), ['client_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_client_id'))

    op.drop_table('audit_events')
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_index('ix_records_state_kind')
        batch_op.drop_index('ix_records_kind_doc')
        batch_op.drop_index('ix_records_decision_date')
        batch_op.drop_index('ix_records_deadline')

    op.drop_table('records')
    op.drop_table('catalogs')
    op.drop_table('calendar_years')
