"""Consultations keep the digest of their questionnaire document

Revision ID: 5b8d0e4c2a17
Revises: 3c9e2f7a1b54
Create Date: 2026-11-29 07:10:00

The digest names the parsed document that respondents' pages share between requests
(``Consultation.shared_document``); existing rows get theirs computed here, the same way the
model computes it.
"""
import hashlib
import json

from alembic import op
import sqlalchemy as sa


revision = '5b8d0e4c2a17'
down_revision = '3c9e2f7a1b54'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('questionnaire_digest', sa.String(length=64),
                                      nullable=True))
    consultation = sa.table(
        'consultation',
        sa.column('id', sa.Integer()),
        sa.column('questionnaire', sa.JSON()),
        sa.column('questionnaire_digest', sa.String()),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(consultation.c.id, consultation.c.questionnaire)).all()
    for row in rows:
        text = json.dumps(row.questionnaire or {}, sort_keys=True, separators=(',', ':'),
                          ensure_ascii=False)
        connection.execute(
            consultation.update()
            .where(consultation.c.id == row.id)
            .values(questionnaire_digest=hashlib.sha256(text.encode()).hexdigest())
        )


def downgrade():
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_column('questionnaire_digest')
