"""result counts: live counters of the results, filled from the submitted responses

Revision ID: c3d9e8f1a2b4
Revises: b7c1e2d3a4f5
Create Date: 2026-11-24 15:00:00

The fill is a frozen copy of what survey.result_counts.add_result_counts computed for every
submitted response when this revision was written (question codes included), so the migration
does not depend on application code that may change later. See that module for the layout.
"""
from alembic import op
import sqlalchemy as sa


revision = "c3d9e8f1a2b4"
down_revision = "b7c1e2d3a4f5"
branch_labels = None
depends_on = None

CELL = "'q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q12', 'q16'"
OPTION = (
    "'q1', 'q2', 'q2_role', 'q3', 'q4', 'q5', 'q5_budget', 'q6', 'q8', 'q9', 'q10', 'q11', "
    "'q12', 'q13', 'q15', 'q16'"
)
RANK = "'q7', 'q14'"
DISTINCT = "'q6', 'q7', 'q14', 'q16', 'q17'"
OTHER = "'q1', 'q6', 'q16'"

# Figures grouped on one integer per (cell, figure): key number * 100 + metric * 10 + rank
# bucket, plus the cell's key number * 1e9; decoded at the end.
FILL = f"""
WITH pairs AS (
    SELECT DISTINCT question, option FROM answers
), keys AS (
    SELECT question, option, row_number() OVER (ORDER BY question, option) AS k
    FROM (SELECT question, option FROM pairs UNION SELECT question, '' FROM pairs) AS numbered
), cells AS (
    SELECT id AS rid, language AS lang, 0 AS ck
    FROM responses WHERE status = 'submitted' AND language != ''
    UNION ALL
    SELECT a.response_id, r.language, k.k
    FROM answers a
    JOIN responses r ON r.id = a.response_id
    JOIN keys k ON k.question = a.question AND k.option = a.option
    WHERE r.status = 'submitted' AND r.language != '' AND a.question IN ({CELL})
), figures AS (
    SELECT id AS rid, 0 AS fk FROM responses
    UNION ALL
    SELECT a.response_id, k.k * 100 + 10
    FROM answers a JOIN keys k ON k.question = a.question AND k.option = a.option
    WHERE a.question IN ({OPTION})
    UNION ALL
    SELECT a.response_id, k.k * 100 + 20 + CASE
        WHEN a.rank IS NULL THEN 0 WHEN a.rank BETWEEN 1 AND 6 THEN a.rank ELSE 7 END
    FROM answers a JOIN keys k ON k.question = a.question AND k.option = a.option
    WHERE a.question IN ({RANK})
    UNION ALL
    SELECT DISTINCT a.response_id, k.k * 100 + 30
    FROM answers a JOIN keys k ON k.question = a.question AND k.option = ''
    WHERE a.question IN ({DISTINCT})
    UNION ALL
    SELECT a.response_id, k.k * 100 + 40
    FROM answers a JOIN keys k ON k.question = a.question AND k.option = ''
    WHERE a.question IN ({OTHER}) AND a.option = 'other' AND a.text IS NOT NULL
        AND a.text != ''
), per_language AS (
    SELECT c.lang, c.ck * 1000000000 + f.fk AS code, count(*) AS n
    FROM cells c JOIN figures f ON f.rid = c.rid
    GROUP BY c.ck * 1000000000 + f.fk, c.lang
), counted AS (
    SELECT lang, code, n FROM per_language
    UNION ALL
    SELECT '', code, sum(n) FROM per_language GROUP BY code
)
INSERT INTO result_counts (cell_question, cell_option, lang, metric, question, option, rank, n)
SELECT coalesce(cell_key.question, ''), coalesce(cell_key.option, ''), counted.lang,
    CASE (counted.code % 1000000000) / 10 % 10
        WHEN 0 THEN 'total' WHEN 1 THEN 'option' WHEN 2 THEN 'rank' WHEN 3 THEN 'distinct'
        ELSE 'other' END,
    coalesce(figure_key.question, ''), coalesce(figure_key.option, ''),
    counted.code % 10, counted.n
FROM counted
LEFT JOIN keys cell_key ON cell_key.k = counted.code / 1000000000
LEFT JOIN keys figure_key ON figure_key.k = (counted.code % 1000000000) / 100
"""


def upgrade():
    op.create_table(
        "result_counts",
        sa.Column("cell_question", sa.String(length=32), nullable=False),
        sa.Column("cell_option", sa.String(length=32), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("metric", sa.String(length=8), nullable=False),
        sa.Column("question", sa.String(length=32), nullable=False),
        sa.Column("option", sa.String(length=32), nullable=False),
        sa.Column("rank", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "cell_question",
            "cell_option",
            "lang",
            "metric",
            "question",
            "option",
            "rank",
            name="pk_result_counts",
        ),
        # Room in each page for updates in place (HOT), which leave the key's index alone.
        postgresql_with={"fillfactor": 50},
    )
    if op.get_bind().dialect.name == "postgresql":
        # Without statistics (a restored dump) the planner may join every response's cells
        # and figures in a nested loop: minutes instead of seconds.
        op.execute("ANALYZE responses")
        op.execute("ANALYZE answers")
    op.execute(FILL)


def downgrade():
    op.drop_table("result_counts")
