"""The 2013 report's published figures, and 290 questionnaires rebuilt from them.

Only per-question totals of the 2013 survey survive (seeds/003: the report), so the
respondents are rebuilt here: every figure below is copied from the report, and `rows()`
spreads them over 290 questionnaires that obey the form's rules (follow-ups only after their
answer, q7 ranks only what q6 chose, ranks 1..k without gaps). Questions are independent in
the report, so which respondent gave which answer is arbitrary (deterministic here).

Where the report contradicts itself, the figure that the others agree with is kept, and the
test says so:
- 275 + 25 = 300 respondents "used" the two versions, but the summarised quantity and every
  question's answered + declined give 290; here 265 answered in English and 25 in Russian
  (the 25 Russians of the country table).
- Question 4's counts add up to 300 with "N/A 34": with 290 respondents the five size bands
  (83, 81, 35, 25, 42) leave 24, so "N/A" is 24 here.
- Question 7's #1 placements add up to 126, but only 125 answered question 6 (and q7 ranks
  only partners chosen there, one #1 each): "others" get 3 #1 placements here, not 4.
- Question 16 gives no number answered: 100 here (its counts are kept).
- Question 14: the report's table, rebuilt as in tests/results/test_aggregation_q14_report_table.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from itertools import cycle

from tests.results.test_aggregation_q14_report_table import REPORT as Q14_REPORT
from tests.results.test_aggregation_q14_report_table import build_rankings

TOTAL = 290
RUSSIAN = 25
#: Country table of the report (question 3), ISO codes; N/A is "prefer not to say"; 1 declined.
COUNTRIES = {
    "US": 77, "EG": 71, "RU": 25, "AU": 14, "CM": 11, "OM": 9, "PS": 9, "SA": 9, "SD": 9,
    "FM": 8, "LB": 8, "JO": 6, "DZ": 4, "KW": 4, "MA": 4, "AE": 4, "LY": 3, "QA": 3, "IQ": 2,
    "TN": 2, "YE": 2, "BH": 1, "CA": 1, "SY": 1, "CH": 1, "GB": 1, "na": 1,
}  # fmt: skip
Q1 = {"association": 21, "public": 92, "national": 14, "academic": 93, "school": 27, "other": 43}
Q2 = {"yes": 198, "no": 86}
Q2_ROLE = 130
Q4 = {"lt5k": 83, "5k": 81, "25k": 35, "50k": 25, "100k": 42, "na": 24}
Q5 = {"yes": 81, "no": 183}
Q5_BUDGET = 41
Q6_ANSWERED = 125
Q6 = {"libraries": 77, "government": 50, "business": 33, "nonprofit": 61, "associations": 68,
      "other": 16}  # fmt: skip
#: Question 7: "respondents who were enrolled in the category of best partners" (#1).
Q7_FIRST = {"libraries": 46, "government": 29, "associations": 24, "nonprofit": 12,
            "business": 11, "other": 3}  # fmt: skip
Q12 = {"yes": 63, "no": 28}
Q16_ANSWERED = 100
Q16 = {"meetings": 69, "focus_groups": 42, "mou": 47, "statements": 31, "other": 13}
CONTACTS = 41

#: Open questions: answered, and the categories the 2013 analysts counted
#: (code, English name, Russian name, count).
OPEN: dict[str, tuple[int, list[tuple[str, str, str, int]]]] = {
    "q8": (65, [
        ("libraries", "Other libraries", "Другие библиотеки", 16),
        ("ngo", "NGO", "НКО", 10),
        ("associations", "Library associations", "Библиотечные ассоциации", 9),
        ("government", "Government institutions", "Органы власти", 6),
        ("education", "Scientific and educational institutions", "Научные и образовательные учреждения", 3),
        ("media", "Media", "СМИ", 3),
        ("friends", "Society of Friends of the Library", "Общества друзей библиотеки", 2),
        ("international", "International organizations", "Международные организации", 2),
        ("business", "Business", "Бизнес", 1),
        ("other", "Other partners", "Другие партнёры", 16),
    ]),
    "q9": (55, [
        ("financing", "Financing", "Финансирование", 11),
        ("misunderstanding", "Misunderstanding of the role of libraries", "Непонимание роли библиотек", 10),
        ("time", "Lack of time", "Нехватка времени", 7),
        ("meeting_place", "The lack of a meeting place", "Нет места для встреч", 5),
        ("bureaucracy", "Bureaucracy, imperfect laws", "Бюрократия, несовершенство законов", 4),
        ("passivity", "The passivity of the staff of libraries", "Пассивность сотрудников библиотек", 2),
        ("atmosphere", "The social atmosphere", "Общественная атмосфера", 2),
        ("lots", "Lots of problems", "Множество проблем", 3),
        ("none", "No problem", "Проблем нет", 3),
        ("no_advocacy", "We do not advocate", "Мы не занимаемся продвижением интересов", 1),
        ("no_answer", "No answer", "Нет ответа по существу", 2),
        ("other", "Other challenges", "Другие трудности", 7),
    ]),
    "q10": (60, [
        ("promotion", "Support and promotion of libraries", "Поддержка и продвижение библиотек", 12),
        ("collections", "Assistance in the formation of funds", "Помощь в формировании фондов", 5),
        ("services", "Expanding the range of services", "Расширение спектра услуг", 3),
        ("equipment", "Purchase of machinery and computers", "Закупка техники и компьютеров", 3),
        ("legislation", "Legislation in favor of the library", "Законодательство в пользу библиотек", 2),
        ("dialogue", "Professional dialogue and cooperation", "Профессиональный диалог и сотрудничество", 7),
        ("budget", "The expansion of the budget", "Рост бюджета", 4),
        ("training", "Training and methodological support", "Обучение и методическая помощь", 4),
        ("cataloguing", "Cataloging", "Каталогизация", 2),
        ("building", "Building", "Здание", 2),
        ("readers", "Widening the circle of readers", "Расширение круга читателей", 5),
        ("relations", "Relations with other organizations and programs", "Связи с другими организациями и программами", 3),
        ("inclusion", "Work with people with disabilities and other groups", "Работа с людьми с инвалидностью и другими группами", 3),
        ("access", "Access to information resources", "Доступ к информационным ресурсам", 4),
        ("hard_to_say", "It's hard to formulate", "Трудно сформулировать", 1),
    ]),
    "q11": (47, [
        ("association_methods", "We use the methodologies of library association", "Используем методики библиотечной ассоциации", 3),
        ("internet", "We rely on the Internet", "Опираемся на интернет", 2),
        ("legal_database", "Use the official legal database", "Используем официальную правовую базу", 1),
        ("social_media", "By using our website, Facebook, twitter and blog", "Сайт, Facebook, Twitter и блог", 5),
        ("toolkit", "We created Advocacy Toolkit in frames of the library association", "Создали инструментарий продвижения в рамках ассоциации", 1),
        ("consulting", "We provide consulting assistance to libraries", "Консультируем библиотеки", 2),
    ]),
    "q13": (58, [
        ("positive", "Positive", "Положительная оценка", 36),
        ("negative", "Negative", "Отрицательная оценка", 11),
        ("uncertain", "Uncertain", "Неопределённо", 7),
    ]),
    "q15": (56, [
        ("financial", "Financial support and equipment", "Финансовая поддержка и оборудование", 9),
        ("legislation", "Friendly legislation and support of community", "Благоприятное законодательство и поддержка сообщества", 5),
        ("image", "Image and promotion the role of libraries", "Имидж и продвижение роли библиотек", 11),
        ("services", "Promotion of services and programs to attract new readers", "Продвижение услуг и программ для новых читателей", 7),
        ("disadvantaged", "Assistance in working with disadvantaged groups", "Помощь в работе с уязвимыми группами", 4),
        ("training", "Vocational training librarians", "Профессиональное обучение библиотекарей", 3),
        ("business", "Support from Business", "Поддержка бизнеса", 1),
        ("cooperation", "Cooperation with other libraries, interlibrary loan", "Сотрудничество с библиотеками, межбиблиотечный абонемент", 1),
        ("cataloguing", "Cataloging", "Каталогизация", 1),
        ("kindergarten", "Cooperation with Kindergarten", "Сотрудничество с детским садом", 1),
        ("stay_open", "Save the library open", "Сохранить библиотеку", 1),
        ("general", "General considerations", "Общие соображения", 11),
        ("not_required", "Today advocacy is not required", "Сегодня продвижение интересов не требуется", 1),
    ]),
}  # fmt: skip
#: Question 8: "Of the 25 Russian respondents to this question is answered 8".
RUSSIAN_Q8 = 8
#: A q11 answer that carries contact details: the report must not quote them.
CONTACT_IN_ANSWER = (
    "Our toolkit is on the association website; to get the printed kit write to "
    "anna.petrova@example.org or call +7 495 123-45-67."
)
RUSSIAN_ANSWER = "Мы вместе с областной думой добились закона о библиотечном деле в регионе."
RUSSIAN_ANSWER_EN = "Together with the regional duma we obtained a regional law on libraries."


def categories() -> dict[str, list[tuple[str, str, str, int]]]:
    return {field: found for field, (_answered, found) in OPEN.items()}


def _spread(counts: dict[str, int], people: list[int]) -> dict[int, str]:
    """Each value given to as many of `people` as its count, in order."""
    values = [value for value, count in counts.items() for _ in range(count)]
    assert len(values) <= len(people)
    return dict(zip(people, values, strict=False))


def _q6_and_q7(people: list[int]) -> dict[int, tuple[list[str], list[str]]]:
    """Partners chosen (q6) and ranked (q7, best first) by the first 125 respondents: each
    ranks all the partners they chose, and their #1 is as the report counted."""
    chosen = {p: [first] for p, first in _spread(Q7_FIRST, people[:Q6_ANSWERED]).items()}
    turn = cycle(people[:Q6_ANSWERED])
    for option, count in Q6.items():
        more = count - sum(1 for items in chosen.values() if option in items)
        while more:
            person = next(turn)
            if option not in chosen[person]:
                chosen[person].append(option)
                more -= 1
    order = list(Q6)
    return {
        p: ([o for o in order if o in items], items[:1] + [o for o in order if o in items[1:]])
        for p, items in chosen.items()
    }


def rows() -> list[dict[str, str]]:
    """290 questionnaires in the wide CSV's columns (codes; `*_code_*` codings; `_en`
    translations of the Russian answers)."""
    everyone = list(range(TOTAL))
    # The Russians are the last 25, all from Russia, so both are spread from the start.
    languages = {p: "ru" if p >= TOTAL - RUSSIAN else "en" for p in everyone}
    others = {c: n for c, n in COUNTRIES.items() if c != "RU"}
    country = _spread(others, everyone[: TOTAL - RUSSIAN])
    country.update({p: "RU" for p in everyone[TOTAL - RUSSIAN :]})
    q1 = _spread(Q1, everyone)
    q2 = _spread(Q2, everyone)
    members = [p for p in everyone if q2.get(p) == "yes"]
    q4 = _spread(Q4, everyone)
    q5 = _spread(Q5, everyone[::-1])
    budgeted = [p for p in everyone if q5.get(p) == "yes"]
    partners = _q6_and_q7(everyone[40:] + everyone[:40])
    q12 = _spread(Q12, everyone[100:])
    q14 = dict(zip(everyone[150:], build_rankings(), strict=False))
    q16_people = everyone[60 : 60 + Q16_ANSWERED]
    q16 = {p: [] for p in q16_people}
    turn = cycle(q16_people)
    for option, count in Q16.items():
        for __ in range(count):
            q16[next(turn)].append(option)
    start = datetime(2013, 3, 4, 9, 0, tzinfo=UTC)
    found = []
    for p in everyone:
        stamp = start + timedelta(hours=6 * p + (p % 7))
        row = {
            "response_id": str(uuid.UUID(int=p + 1)),
            "language": languages[p],
            "started_at": (stamp - timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "submitted_at": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "q1": q1.get(p, ""),
            "q2": q2.get(p, ""),
            "q3": country.get(p, ""),
            "q4": q4.get(p, ""),
            "q5": q5.get(p, ""),
            "q12": q12.get(p, ""),
        }
        if row["q1"] == "other":
            row["q1_other"] = "Special library"
        if p in members[:Q2_ROLE]:
            row["q2_role"] = ["Member", "Board member", "President", "Active member"][p % 4]
        if p in budgeted[:Q5_BUDGET]:
            row["q5_budget"] = f"{1000 + 50 * p} USD"
        if p in partners:
            ticked, ranked = partners[p]
            for option in Q6:
                flag = "1" if option in ticked else "0"
                row["q6_other_chosen" if option == "other" else f"q6_{option}"] = flag
                row[f"q7_{option}"] = str(ranked.index(option) + 1) if option in ranked else "na"
            if "other" in ticked:
                row["q6_other"] = "Friends of Libraries"
        if p in q14:
            for item, rank in q14[p].items():
                row[f"q14_{item}"] = "na" if rank is None else str(rank)
        if p in q16:
            for option in Q16:
                flag = "1" if option in q16[p] else "0"
                row["q16_other_chosen" if option == "other" else f"q16_{option}"] = flag
            if "other" in q16[p]:
                row["q16_other"] = "Workshops"
        if p < CONTACTS:
            row["q17_name"] = f"Respondent {p}"
            row["q17_email"] = f"respondent{p}@contact.example.org"
        found.append(row)
    _open_answers(found, languages)
    return found


def _open_answers(found: list[dict[str, str]], languages: dict[int, str]) -> None:
    """The open answers and their codings: the first `answered` respondents of each question
    (q8: the 8 Russian ones among them), each category's count spread over the answers."""
    russians = [p for p, lang in languages.items() if lang == "ru"]
    for field, (answered, coded) in OPEN.items():
        people = list(range(answered))
        if field == "q8":
            people = people[: answered - RUSSIAN_Q8] + russians[:RUSSIAN_Q8]
        for n, p in enumerate(people):
            row = found[p]
            if field == "q8" and languages[p] == "ru":
                row[field], row[f"{field}_en"] = RUSSIAN_ANSWER, RUSSIAN_ANSWER_EN
            elif field == "q11" and n == 0:
                row[field] = CONTACT_IN_ANSWER
            else:
                row[field] = (
                    f"Answer {n + 1} to question {field[1:]}: our experience with partners."
                )
        mentions = [code for code, _en, _ru, count in coded for _ in range(count)]
        coded_people = people[: min(len(mentions), answered)]
        given: dict[int, set[str]] = {p: set() for p in coded_people}
        for n, code in enumerate(mentions):
            person = coded_people[n % len(coded_people)]
            assert code not in given[person]
            given[person].add(code)
        for p, codes in given.items():
            for code, _en, _ru, _count in coded:
                found[p][f"{field}_code_{code}"] = "1" if code in codes else "0"


def wide_csv() -> str:
    found = rows()
    header = list(dict.fromkeys(key for row in found for key in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, header, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(found)
    return out.getvalue()


def q14_table() -> dict[str, tuple[list[int], int]]:
    return Q14_REPORT
