"""Invited stakeholders: invitations, their drafts, and named responses with consent

Revision ID: 4a474490ecd5
Revises: dc3c6d5d68e6
Create Date: 2026-11-29 02:08:34.875244

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4a474490ecd5'
down_revision = 'dc3c6d5d68e6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('organisation_name', sa.String(length=200), nullable=False),
    sa.Column('stakeholder_category', sa.String(length=40), nullable=False),
    sa.Column('jurisdiction', sa.String(length=80), nullable=True),
    sa.Column('contact', sa.String(length=254), nullable=True),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(organisation_name) >= 1', name=op.f('ck_invitation_organisation_named')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_invitation_consultation_id_consultation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    sa.UniqueConstraint('consultation_id', 'organisation_name', name=op.f('uq_invitation_consultation_id_organisation_name')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitation_token_hash'))
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('invitation_draft',
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'], name=op.f('fk_invitation_draft_invitation_id_invitation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('invitation_id', name=op.f('pk_invitation_draft'))
    )
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invitation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('publication_consent', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_unique_constraint(batch_op.f('uq_response_invitation_id'), ['invitation_id'])
        batch_op.create_foreign_key(batch_op.f('fk_response_invitation_id_invitation'), 'invitation', ['invitation_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_response_invitation_id_invitation'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_response_invitation_id'), type_='unique')
        batch_op.drop_column('publication_consent')
        batch_op.drop_column('invitation_id')

    op.drop_table('invitation_draft')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_consultation_id'))

    op.drop_table('invitation')
