"""Sealed channel: sealing keys, ceremony trustees, envelopes, and sealed-channel settings

Revision ID: 2484647d2370
Revises: d148cef6f731
Create Date: 2026-11-29 01:28:02.995334

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2484647d2370'
down_revision = 'd148cef6f731'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('envelope',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('suite', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('is_held', sa.Boolean(), nullable=False),
    sa.Column('submission_key_hash', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_envelope_consultation_id_consultation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_envelope')),
    sa.UniqueConstraint('consultation_id', 'submission_key_hash', name=op.f('uq_envelope_consultation_id_submission_key_hash'))
    )
    with op.batch_alter_table('envelope', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_envelope_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('sealing_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('suite', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('wrapped_private_key', sa.LargeBinary(), nullable=False),
    sa.Column('share_identifier', sa.Integer(), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('share_count', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('in_app', 'offline', name='ceremonymode', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('threshold >= 2 AND threshold <= share_count AND share_count <= 16', name=op.f('ck_sealing_key_threshold_range')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_sealing_key_consultation_id_consultation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sealing_key')),
    sa.UniqueConstraint('consultation_id', name=op.f('uq_sealing_key_consultation_id')),
    sa.UniqueConstraint('key_id', name=op.f('uq_sealing_key_key_id'))
    )
    op.create_table('ceremony_trustee',
    sa.Column('sealing_key_id', sa.Integer(), nullable=False),
    sa.Column('share_number', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['sealing_key_id'], ['sealing_key.id'], name=op.f('fk_ceremony_trustee_sealing_key_id_sealing_key'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_ceremony_trustee_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('sealing_key_id', 'share_number', name=op.f('pk_ceremony_trustee'))
    )
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed_audience', sa.String(length=16), nullable=False, server_default='adults'))
        batch_op.add_column(sa.Column('urgent_help', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column('sealed_receipts', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('sealed_hold_after', sa.Integer(), nullable=False, server_default='30'))



def downgrade():
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_column('sealed_hold_after')
        batch_op.drop_column('sealed_receipts')
        batch_op.drop_column('urgent_help')
        batch_op.drop_column('sealed_audience')

    op.drop_table('ceremony_trustee')
    op.drop_table('sealing_key')
    with op.batch_alter_table('envelope', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_envelope_consultation_id'))

    op.drop_table('envelope')
