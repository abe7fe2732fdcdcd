"""coding categories as data: stable codes, names per language, order, retirement; double coding, notes, recodes, change counters

Revision ID: a7c3e5f1b2d9
Revises: a3f9c2d7e5b1
Create Date: 2026-12-04 18:30:00

The categories and codings move to new tables (coding_categories, codings); the old ones are
copied, then dropped child first, so no ON DELETE CASCADE ever fires on the codings. Each
category keeps its id and gets a code derived from its English name (made unique per field),
its names as {"en": ..., "ru": ...} and a position in the alphabetical order it was shown in.
"""
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e5f1b2d9'
down_revision = 'a3f9c2d7e5b1'
branch_labels = None
depends_on = None

# A frozen copy of survey.open_answers.coding.slug at this revision.
CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p",
     "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "iu", "ia"],
))


def slug(text):
    text = "".join(CYRILLIC.get(ch, ch) for ch in text.lower())
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:40].rstrip("_")
    return text if text[:1].isalpha() else f"c_{text}".rstrip("_")


def upgrade():
    op.create_table('coding_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('names', sa.JSON(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('field', 'code', name='uq_coding_categories_field_code')
    )
    op.create_table('codings',
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('coded_by_id', sa.Integer(), nullable=True),
    sa.Column('coded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['category_id'], ['coding_categories.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['coded_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('answer_id', 'category_id')
    )
    op.create_index('ix_codings_category_answer', 'codings', ['category_id', 'answer_id'])
    op.create_table('coder_codings',
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('coder_id', sa.Integer(), nullable=False),
    sa.Column('coded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['category_id'], ['coding_categories.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['coder_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('answer_id', 'category_id', 'coder_id')
    )
    op.create_table('coder_reviews',
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('coder_id', sa.Integer(), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['coder_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('answer_id', 'coder_id')
    )
    op.create_table('coding_fields',
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('first_coder_id', sa.Integer(), nullable=True),
    sa.Column('second_coder_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['first_coder_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['second_coder_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('field')
    )
    op.create_table('answer_notes',
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('written_by_id', sa.Integer(), nullable=True),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['written_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('answer_id')
    )
    op.create_table('change_counters',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('recodes',
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('option', sa.String(length=32), nullable=False),
    sa.Column('recoded_by_id', sa.Integer(), nullable=True),
    sa.Column('recoded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recoded_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('answer_id')
    )

    connection = op.get_bind()
    old = connection.execute(sa.text(
        "SELECT id, question, name_en, name_ru, created_at FROM categories ORDER BY question, name_en"
    )).all()
    categories = sa.table(
        'coding_categories',
        *(sa.column(name) for name in ('id', 'field', 'code', 'description', 'position')),
        sa.column('names', sa.JSON()),
        sa.column('created_at', sa.DateTime(timezone=True)),
    )
    rows, taken = [], {}
    for category_id, field, name_en, name_ru, created_at in old:
        codes = taken.setdefault(field, set())
        code, number = slug(name_en) or "category", 2
        base = code
        while code in codes:
            code, number = f"{base}_{number}", number + 1
        codes.add(code)
        names = {"en": name_en, **({"ru": name_ru} if name_ru else {})}
        rows.append({
            'id': category_id, 'field': field, 'code': code, 'names': names,
            'description': '', 'position': len(codes), 'created_at': created_at,
        })
    if rows:
        op.bulk_insert(categories, rows)
    connection.execute(sa.text(
        "INSERT INTO codings (answer_id, category_id, coded_at) "
        "SELECT answer_id, category_id, CURRENT_TIMESTAMP FROM answer_categories"
    ))
    if connection.dialect.name == 'postgresql' and rows:
        connection.execute(sa.text(
            "SELECT setval(pg_get_serial_sequence('coding_categories', 'id'), "
            "(SELECT max(id) FROM coding_categories))"
        ))
    op.drop_index('ix_answer_categories_category_answer', table_name='answer_categories')
    op.drop_table('answer_categories')
    op.drop_table('categories')


def downgrade():
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=32), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('name_ru', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('question', 'name_en', name='uq_categories_question_name_en')
    )
    op.create_table('answer_categories',
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name='fk_answer_categories_answer_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name='fk_answer_categories_category_id', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('answer_id', 'category_id')
    )
    op.create_index('ix_answer_categories_category_answer', 'answer_categories', ['category_id', 'answer_id'])

    connection = op.get_bind()
    current = connection.execute(sa.text(
        "SELECT id, field, code, names, created_at FROM coding_categories WHERE deleted_at IS NULL"
    )).all()
    rows, taken = [], set()
    for category_id, field, code, names, created_at in current:
        if isinstance(names, str):
            import json

            names = json.loads(names)
        name_en = names.get("en") or code
        while (field, name_en.lower()) in taken:
            name_en += f" ({code})"
        taken.add((field, name_en.lower()))
        rows.append({'id': category_id, 'question': field, 'name_en': name_en,
                     'name_ru': names.get("ru", ""), 'created_at': created_at})
    if rows:
        op.bulk_insert(sa.table('categories', *(sa.column(name) for name in (
            'id', 'question', 'name_en', 'name_ru', 'created_at'))), rows)
    connection.execute(sa.text(
        "INSERT INTO answer_categories (answer_id, category_id) "
        "SELECT c.answer_id, c.category_id FROM codings c "
        "JOIN coding_categories k ON k.id = c.category_id WHERE k.deleted_at IS NULL"
    ))
    if connection.dialect.name == 'postgresql' and rows:
        connection.execute(sa.text(
            "SELECT setval(pg_get_serial_sequence('categories', 'id'), (SELECT max(id) FROM categories))"
        ))
    op.drop_table('recodes')
    op.drop_table('change_counters')
    op.drop_table('answer_notes')
    op.drop_table('coding_fields')
    op.drop_table('coder_reviews')
    op.drop_table('coder_codings')
    op.drop_index('ix_codings_category_answer', table_name='codings')
    op.drop_table('codings')
    op.drop_table('coding_categories')
