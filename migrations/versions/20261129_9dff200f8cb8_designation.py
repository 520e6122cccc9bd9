"""Designation record: dated revisions of what the State designated, recommendations and their updates

Revision ID: 9dff200f8cb8
Revises: 7b80fbef176f
Create Date: 2026-11-29 03:39:28.836653

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9dff200f8cb8'
down_revision = '7b80fbef176f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('designation_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('designated_on', sa.Date(), nullable=False),
    sa.Column('legal_basis', sa.String(length=32), nullable=False),
    sa.Column('instrument_reference', sa.String(length=300), nullable=False),
    sa.Column('instrument_link', sa.String(length=2000), nullable=False),
    sa.Column('bodies', sa.JSON(), nullable=False),
    sa.Column('model', sa.String(length=32), nullable=False),
    sa.Column('model_description', sa.JSON(), nullable=False),
    sa.Column('option_key', sa.String(length=40), nullable=True),
    sa.Column('places', sa.JSON(), nullable=False),
    sa.Column('note', sa.JSON(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("instrument_link = '' OR instrument_link LIKE 'http://%' OR instrument_link LIKE 'https://%'", name=op.f('ck_designation_revision_link_is_web_address')),
    sa.CheckConstraint("legal_basis <> 'none' OR (instrument_reference = '' AND instrument_link = '')", name=op.f('ck_designation_revision_no_instrument_without_basis')),
    sa.CheckConstraint("legal_basis IN ('constitution', 'statute', 'decree', 'ministerial_order', 'agreement', 'none')", name=op.f('ck_designation_revision_legal_basis_known')),
    sa.CheckConstraint("model IN ('nhri_commission', 'ombuds', 'ombuds_plus', 'new_specialised', 'multiple_bodies', 'decentralised_federal', 'other')", name=op.f('ck_designation_revision_model_known')),
    sa.CheckConstraint('revision >= 1', name=op.f('ck_designation_revision_revision_positive')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_designation_revision_consultation_id_consultation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_designation_revision_recorded_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_designation_revision')),
    sa.UniqueConstraint('consultation_id', 'revision', name=op.f('uq_designation_revision_consultation_id_revision'))
    )
    with op.batch_alter_table('designation_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_designation_revision_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('recommendation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('position >= 1', name=op.f('ck_recommendation_position_positive')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_recommendation_consultation_id_consultation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_recommendation_created_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendation')),
    sa.UniqueConstraint('consultation_id', 'position', name=op.f('uq_recommendation_consultation_id_position'))
    )
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendation_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('designation_guarantee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('guarantee', sa.String(length=40), nullable=False),
    sa.Column('status', sa.Enum('in_law', 'in_practice_only', 'absent', 'unknown', name='guaranteestatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('article', sa.String(length=300), nullable=False),
    sa.CheckConstraint("(status = 'in_law') = (article <> '')", name=op.f('ck_designation_guarantee_article_when_in_law')),
    sa.ForeignKeyConstraint(['revision_id'], ['designation_revision.id'], name=op.f('fk_designation_guarantee_revision_id_designation_revision'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_designation_guarantee')),
    sa.UniqueConstraint('revision_id', 'guarantee', name=op.f('uq_designation_guarantee_revision_id_guarantee'))
    )
    with op.batch_alter_table('designation_guarantee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_designation_guarantee_revision_id'), ['revision_id'], unique=False)

    op.create_table('designation_stage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=40), nullable=False),
    sa.Column('reached_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['revision_id'], ['designation_revision.id'], name=op.f('fk_designation_stage_revision_id_designation_revision'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_designation_stage')),
    sa.UniqueConstraint('revision_id', 'stage', name=op.f('uq_designation_stage_revision_id_stage'))
    )
    with op.batch_alter_table('designation_stage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_designation_stage_revision_id'), ['revision_id'], unique=False)

    op.create_table('recommendation_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recommendation_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('adopted', 'partly_adopted', 'in_progress', 'not_adopted', 'no_response', name='recommendationstatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('note', sa.JSON(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'], name=op.f('fk_recommendation_update_recommendation_id_recommendation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_recommendation_update_recorded_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendation_update'))
    )
    with op.batch_alter_table('recommendation_update', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendation_update_recommendation_id'), ['recommendation_id'], unique=False)



def downgrade():
    with op.batch_alter_table('recommendation_update', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendation_update_recommendation_id'))

    op.drop_table('recommendation_update')
    with op.batch_alter_table('designation_stage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_designation_stage_revision_id'))

    op.drop_table('designation_stage')
    with op.batch_alter_table('designation_guarantee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_designation_guarantee_revision_id'))

    op.drop_table('designation_guarantee')
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendation_consultation_id'))

    op.drop_table('recommendation')
    with op.batch_alter_table('designation_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_designation_revision_consultation_id'))

    op.drop_table('designation_revision')
