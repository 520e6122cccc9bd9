"""Reports: frozen snapshots of published numbers, with their texts and history

Revision ID: 7b80fbef176f
Revises: 4a474490ecd5
Create Date: 2026-11-29 03:32:27.583683

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b80fbef176f'
down_revision = '4a474490ecd5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('prepared', 'published', 'withdrawn', name='reportstatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('k', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('dataset_digest', sa.String(length=64), nullable=False),
    sa.Column('audit_head', sa.String(length=64), nullable=False),
    sa.Column('narrative', sa.JSON(), nullable=False),
    sa.Column('limitations', sa.JSON(), nullable=False),
    sa.Column('prepared_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('prepared_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawal_reason', sa.JSON(), nullable=False),
    sa.CheckConstraint("(status = 'prepared') = (published_at IS NULL)", name=op.f('ck_report_published_when_published')),
    sa.CheckConstraint("(status = 'withdrawn') = (withdrawn_at IS NOT NULL)", name=op.f('ck_report_withdrawn_when_withdrawn')),
    sa.CheckConstraint('k >= 2', name=op.f('ck_report_k_at_least_two')),
    sa.CheckConstraint('revision >= 1', name=op.f('ck_report_revision_positive')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_report_consultation_id_consultation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['prepared_by_id'], ['user_account.id'], name=op.f('fk_report_prepared_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_report_published_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['user_account.id'], name=op.f('fk_report_withdrawn_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report')),
    sa.UniqueConstraint('consultation_id', 'revision', name=op.f('uq_report_consultation_id_revision'))
    )
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_consultation_id'), ['consultation_id'], unique=False)



def downgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_consultation_id'))

    op.drop_table('report')
