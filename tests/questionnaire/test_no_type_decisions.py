"""The output side asks the questionnaire: no module outside survey/questionnaire decides by a
question's type or code (issue 11). The patterns are those of the review that counted 101 such
lines before the questionnaire package owned its output; templates may choose a macro by a
name the type provides, which none of these patterns match."""

from __future__ import annotations

import re
from pathlib import Path

SURVEY = Path(__file__).resolve().parents[2] / "survey"
TYPES = r"single|multiple|ranking|yesno|country|contact"
QUOTED = rf"""["'](q[0-9]+[a-z_]*|{TYPES})["']"""
DECISION = re.compile(
    "|".join(
        [
            r"\.type\s*(==|!=|in\b)",  # question.type == "ranking"
            r"isinstance\([^)]*Question",  # isinstance(q, RankingQuestion)
            rf"(==|!=|\bin)\s*[({{[]?\s*{QUOTED}",  # code == "q17", type in ("single", …)
            rf"{QUOTED}\s*(==|!=|\bin\b)",  # "q3" in body.questions
            r"[A-Z]+_TYPES\b|OPEN_QUESTIONS|sort_q14",  # lists of types or codes
            r"\bq1[0-7]\b\.",  # q14.items in a template
            r"range\(1, 7\)|<=?\s*6\b",  # the number of ranks
        ]
    )
)


def decisions() -> list[str]:
    found = []
    for path in sorted(SURVEY.rglob("*")):
        if path.suffix not in (".py", ".html") or "questionnaire" in path.relative_to(SURVEY).parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if DECISION.search(line):
                found.append(f"{path.relative_to(SURVEY.parent)}:{number}: {line.strip()}")
    return found


def test_no_module_outside_the_questionnaire_decides_by_a_questions_type_or_code():
    assert decisions() == []


def test_the_check_finds_such_a_decision():
    assert DECISION.search('if question.type == "ranking":')
    assert DECISION.search('{% if "q3" in body.questions %}')
    assert DECISION.search("for rank in range(1, 7):")
    assert not DECISION.search('if options.headers != "text":')
