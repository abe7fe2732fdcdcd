"""Plausible answers to the library advocacy questionnaire, for `flask --app survey seed-demo`.

Answers follow every rule of the questionnaire (option codes, follow-ups only when their
condition holds, rankings 1..k without gaps over the offered items) and roughly the shape of
the 2013 survey: the report's countries and its decline rates per question.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from survey.i18n import country_codes

#: (question, option, rank, text) of one answer row.
Row = tuple[str, str, int | None, str | None]

# Share of respondents who answered each question (2013 report: q6 125 of 290, q8 65 …).
ANSWER_RATE = {
    "q1": 0.85,
    "q2": 0.98,
    "q2_role": 0.66,  # of those with q2 = yes
    "q3": 0.997,
    "q4": 0.95,
    "q5": 0.91,
    "q5_budget": 0.50,  # of those with q5 = yes
    "q6": 0.43,
    "q7": 0.85,  # of those who chose partners in q6
    "q8": 0.22,
    "q9": 0.19,
    "q10": 0.21,
    "q11": 0.16,
    "q12": 0.31,
    "q13": 0.20,
    "q14": 0.28,
    "q15": 0.19,
    "q16": 0.35,
    "q17": 0.14,
}

# Respondents per country in the 2013 report (Russia handled by language).
EN_COUNTRIES = {
    "US": 77, "EG": 71, "AU": 14, "CM": 11, "OM": 9, "PS": 9, "SA": 9, "SD": 9, "FM": 8,
    "LB": 8, "JO": 6, "DZ": 4, "KW": 4, "MA": 4, "AE": 4, "LY": 3, "QA": 3, "IQ": 2,
    "TN": 2, "YE": 2, "BH": 1, "CA": 1, "SY": 1, "CH": 1, "GB": 1, "RU": 1, "na": 1,
}  # fmt: skip
RU_COUNTRIES = {"RU": 90, "KZ": 3, "BY": 3, "KG": 1, "UZ": 1, "AM": 1, "na": 1}

Q1_WEIGHTS = {
    "en": {"association": 21, "public": 85, "national": 14, "academic": 93, "school": 27,
           "other": 43},
    "ru": {"association": 3, "public": 60, "national": 5, "academic": 12, "school": 10,
           "other": 10},
}  # fmt: skip
Q4_WEIGHTS = {"lt5k": 83, "5k": 81, "25k": 35, "50k": 25, "100k": 42, "na": 34}
# Chance that a respondent who answered q6 chose each partner type.
Q6_CHANCE = {
    "en": {"libraries": 0.62, "government": 0.38, "business": 0.26, "nonprofit": 0.49,
           "associations": 0.54, "other": 0.13},
    "ru": {"libraries": 0.55, "government": 0.75, "business": 0.2, "nonprofit": 0.35,
           "associations": 0.4, "other": 0.08},
}  # fmt: skip
Q16_CHANCE = {
    "en": {"meetings": 0.69, "focus_groups": 0.42, "mou": 0.45, "statements": 0.31,
           "other": 0.13},
    "ru": {"meetings": 0.6, "focus_groups": 0.3, "mou": 0.9, "statements": 0.3, "other": 0.08},
}  # fmt: skip
# Preference weights for rankings (higher = more often ranked near the top).
Q7_PREFERENCE = {
    "en": {"libraries": 6, "associations": 4, "nonprofit": 3, "government": 2, "business": 1.5,
           "other": 1},
    "ru": {"government": 6, "libraries": 4, "associations": 2, "nonprofit": 1.5, "business": 1,
           "other": 1},
}  # fmt: skip
Q14_PREFERENCE = {
    "en": {"libraries": 6, "government": 4, "business": 2.2, "nonprofit": 2, "associations": 1.6,
           "other": 0.08},
    "ru": {"government": 6, "libraries": 4, "business": 2, "nonprofit": 1.5, "associations": 1.5,
           "other": 0.08},
}  # fmt: skip

TEXTS: dict[str, dict[str, list[str]]] = {
    "q1_other": {
        "en": [
            "Special library",
            "Research library of an institute",
            "Parliamentary library",
            "State library",
            "NGO library",
            "Government agency",
            "University department teaching library science",
            "A consortium of public libraries",
            "Medical library of a hospital",
            "Law library",
        ],
        "ru": [
            "Специальная библиотека",
            "Научная библиотека НИИ",
            "Централизованная библиотечная система",
            "Областная универсальная научная библиотека",
            "Библиотека колледжа",
            "Медицинская библиотека",
            "Парламентская библиотека",
            "Корпоративная библиотека предприятия",
            "Детская библиотека",
            "Кафедра библиотековедения вуза",
        ],
    },
    "q2_role": {
        "en": [
            "Member",
            "Ordinary member",
            "Active member",
            "Member of the advocacy committee",
            "Board member",
            "President",
            "Treasurer",
            "Former member of the board",
            "Secretary general",
            "Participant in round tables and working groups",
        ],
        "ru": [
            "Член ассоциации",
            "Рядовой член",
            "Член правления",
            "Председатель секции",
            "Член секции публичных библиотек",
            "Вице-президент",
            "Участник конференций и круглых столов",
            "Бывший член правления",
            "Ответственный секретарь",
            "Член рабочей группы по законодательству",
        ],
    },
    "q5_budget": {
        "en": [
            "About 5,000 USD",
            "Approximately 10,000 EUR",
            "2,000 USD per year",
            "Around 1,500 GBP",
            "20,000 AUD",
            "I'm sorry, I do not know",
            "No separate budget line, it comes from the general budget",
            "About 3% of the annual budget",
            "50,000 EGP",
            "Less than 1,000 USD",
        ],
        "ru": [
            "Около 100 000 рублей",
            "Примерно 50 000 рублей в год",
            "Отдельной статьи нет, из общего бюджета",
            "Около 300 000 рублей",
            "Затрудняюсь ответить",
            "20 000 рублей",
            "Около 1 % годового бюджета",
            "Средства выделяются под конкретные проекты",
            "Примерно 200 000 рублей",
            "Меньше 10 000 рублей",
        ],
    },
    "q6_other": {
        "en": [
            "Schools and universities",
            "Youth centres",
            "Friends of the Library group",
            "Religious congregations",
            "UN agencies",
            "Centre of French culture",
            "Civic groups",
            "Local media",
            "Museums and archives",
            "We have not partnered with anyone yet",
        ],
        "ru": [
            "Школы и вузы",
            "Музеи и архивы",
            "Местные СМИ",
            "Молодёжные центры",
            "Общество друзей библиотеки",
            "Органы местного самоуправления",
            "Религиозные организации",
            "Дома культуры",
            "Советы ветеранов",
            "Пока партнёров нет",
        ],
    },
    "q16_other": {
        "en": [
            "Workshops",
            "Training courses",
            "Exchange programmes and visits",
            "Surveys to determine the needs of partners",
            "Brochures, training, research and social networks",
            "Presentations on our website and YouTube",
            "A national PR campaign",
            "Reports prepared by the association for benchmarking",
            "Setting common goals first",
            "Demonstrating high-quality service that speaks for itself",
        ],
        "ru": [
            "Семинары и тренинги",
            "Публикации в местной прессе",
            "Презентации на сайте библиотеки",
            "Совместные проекты с муниципалитетом",
            "Курсы повышения квалификации",
            "Социальные сети",
            "Обмен опытом с коллегами",
            "Исследование потребностей партнёров",
            "Круглые столы с депутатами",
            "Ежегодный публичный отчёт библиотеки",
        ],
    },
    "q8": {
        "en": [
            "We worked with the city council on a summer reading programme that is now funded "
            "every year.",
            "Together with the national library association we lobbied for the new library law, "
            "which was adopted in 2012.",
            "A local bank sponsored our computer literacy classes for older adults.",
            "Partnership with the ministry of education to open school libraries in rural "
            "districts.",
            "An NGO helped us run a literacy campaign for women; the municipality later took it "
            "over.",
            "We joined other libraries in the region to argue against budget cuts and kept all "
            "branches open.",
            "The university and the public library created a shared catalogue and interlibrary "
            "loan.",
            "Our association organised a national library week with the support of the government.",
            "A telecom company provided free internet access in 12 village libraries.",
            "We ran a 'Libraries change lives' campaign with local newspapers and radio.",
        ],
        "ru": [
            "Совместно с администрацией района провели акцию «Библионочь», после чего нам "
            "увеличили финансирование на комплектование.",
            "Вместе с областной библиотекой добились включения библиотек в региональную "
            "программу развития культуры.",
            "Местный предприниматель оплатил подключение сельских филиалов к интернету.",
            "С управлением образования реализуем программу поддержки детского чтения в школах "
            "района.",
            "При поддержке РБА провели публичные слушания о сохранении сети библиотек.",
            "Совместно с центром социальной защиты организовали курсы компьютерной грамотности "
            "для пенсионеров.",
            "Вузовская библиотека и городская ЦБС создали сводный электронный каталог.",
            "Благодаря партнёрству с депутатами удалось предотвратить закрытие двух филиалов.",
            "С некоммерческим фондом провели конкурс проектов по продвижению чтения.",
            "Открыли публичный центр правовой информации при поддержке районной администрации.",
        ],
    },
    "q9": {
        "en": [
            "Financing is the main challenge; we have not resolved it yet.",
            "Partners lost interest after the first year. We now sign a memorandum at the start.",
            "Bureaucracy in the ministry slowed everything down; personal meetings helped.",
            "Lack of trained staff to run joint programmes. We organised training with the "
            "association.",
            "Different expectations between partners; we agreed on common goals in writing.",
            "Political changes meant we had to start over with new officials.",
            "Business partners wanted publicity we could not offer under our rules.",
            "Communication was difficult because of distance and poor internet.",
            "Nobody in the local government understood what a modern library does.",
            "No major challenges so far.",
        ],
        "ru": [
            "Основная проблема — недостаток финансирования, решить её пока не удалось.",
            "Частая смена руководства в администрации; каждый раз приходится начинать сначала.",
            "Партнёры не всегда понимают роль библиотеки, помогают личные встречи и презентации.",
            "Не хватает квалифицированных кадров для ведения совместных проектов.",
            "Бюрократические препятствия при заключении договоров; частично решили через "
            "учредителя.",
            "Бизнес ждёт рекламы, которую муниципальная библиотека дать не может.",
            "Сложно удержать интерес партнёров после окончания проекта.",
            "Нормативная база не позволяет принимать пожертвования напрямую.",
            "Были трудности с доставкой книг в сельские филиалы; решили с помощью районной "
            "администрации.",
            "Серьёзных трудностей не возникало.",
        ],
    },
    "q10": {
        "en": [
            "More visibility for the library in the community.",
            "Increased budget for new books and equipment.",
            "New users, especially young people.",
            "A better image of libraries among decision makers.",
            "Free training for our staff.",
            "The library law was amended in our favour.",
            "We opened two new branches.",
            "Stronger cooperation between libraries in the region.",
            "Media coverage of our programmes.",
            "Internet access for rural communities.",
        ],
        "ru": [
            "Повышение престижа библиотеки в местном сообществе.",
            "Увеличение финансирования на комплектование фондов.",
            "Приток новых читателей, особенно молодёжи.",
            "Отремонтировали читальный зал за счёт спонсора.",
            "Бесплатное обучение сотрудников.",
            "Библиотеки включены в муниципальную программу.",
            "Открыли центр общественного доступа к интернету.",
            "Укрепились связи с другими библиотеками области.",
            "О наших проектах стали писать местные газеты.",
            "Сохранили все сельские филиалы.",
        ],
    },
    "q11": {
        "en": [
            "We produce an advocacy toolkit for public libraries, available at "
            "https://library.example.org/toolkit.",
            "Joint campaign with the ministry of culture; materials on request from the "
            "association office.",
            "We train librarians to speak to local councillors. Contact the association "
            "secretariat.",
            "Reading promotion programme with schools; posters and leaflets in Arabic and English.",
            "A booklet 'Why libraries matter' for elected officials.",
            "Workshops on advocacy for library staff twice a year.",
            "We collect impact stories from users and publish them online.",
            "Annual library day with exhibitions and public statements.",
            "Survey of user needs, shared with the municipality.",
            "Lobbying for copyright exceptions for libraries.",
        ],
        "ru": [
            "Разработали методические рекомендации по продвижению библиотек, они есть на "
            "сайте областной библиотеки.",
            "Проводим ежегодный форум «Библиотека и власть» совместно с администрацией области.",
            "Выпускаем буклеты о деятельности библиотек для депутатов.",
            "Организуем семинары для библиотекарей по работе с местным сообществом.",
            "Ведём страницы в социальных сетях и публикуем истории читателей.",
            "Совместно с РБА готовим предложения к закону о библиотечном деле.",
            "Проводим социологические опросы читателей и передаём результаты учредителю.",
            "Реализуем программу продвижения чтения в школах.",
            "Готовим ежегодный публичный доклад о работе библиотечной системы.",
            "Создали клуб друзей библиотеки.",
        ],
    },
    "q13": {
        "en": [
            "Support from the director makes it possible to plan long-term partnerships.",
            "Without support from management we can only do small projects.",
            "The board gives us time and a small budget, which helps a lot.",
            "Lack of support means advocacy depends on a few enthusiasts.",
            "Our ministry supports us, so doors open more easily.",
            "Staff are motivated because their work is recognised.",
            "We have support in words but no money.",
            "It makes the work much easier and more visible.",
            "Support changes with every new director.",
            "Without it we could not have started the programme.",
        ],
        "ru": [
            "Поддержка руководства позволяет планировать долгосрочные проекты.",
            "Без поддержки учредителя можно реализовать только небольшие проекты.",
            "Поддержка есть на словах, но не в финансировании.",
            "Вся работа держится на энтузиазме нескольких сотрудников.",
            "Благодаря поддержке администрации легче договариваться с партнёрами.",
            "Сотрудники мотивированы, так как их работа получает признание.",
            "Поддержка зависит от конкретного руководителя.",
            "Это значительно облегчает работу.",
            "Отсутствие поддержки сильно тормозит развитие партнёрств.",
            "Без неё мы не смогли бы начать проект.",
        ],
    },
    "q15": {
        "en": [
            "Financial support and equipment.",
            "Friendly legislation and support of the community.",
            "Better image of libraries and promotion of their role.",
            "Attract new readers to our services and programmes.",
            "Help for disadvantaged groups.",
            "Professional training for librarians.",
            "Keep the library open.",
            "Cooperation with kindergartens.",
            "Support from business.",
            "Interlibrary loan and shared cataloguing.",
        ],
        "ru": [
            "Финансовая поддержка и оснащение библиотек.",
            "Благоприятное законодательство и поддержка местного сообщества.",
            "Повышение престижа библиотек и профессии библиотекаря.",
            "Привлечение новых читателей.",
            "Помощь социально незащищённым группам населения.",
            "Повышение квалификации библиотекарей.",
            "Сохранение сети сельских библиотек.",
            "Сотрудничество с детскими садами и школами.",
            "Развитие межбиблиотечного абонемента.",
            "Модернизация библиотек и доступ к электронным ресурсам.",
        ],
    },
}

#: (first name, last name[, e-mail login]).
CONTACT_NAMES: dict[str, list[tuple[str, ...]]] = {
    "en": [("Jane", "Doe"), ("John", "Smith"), ("Amira", "Hassan"), ("Omar", "Khalil"),
           ("Grace", "Mbeki"), ("Sarah", "Jones"), ("Ahmed", "Saleh"), ("Lina", "Haddad")],
    "ru": [("Ирина", "Петрова", "irina.petrova"), ("Ольга", "Смирнова", "olga.smirnova"),
           ("Сергей", "Иванов", "sergey.ivanov"), ("Елена", "Кузнецова", "elena.kuznetsova"),
           ("Наталья", "Попова", "natalya.popova"), ("Андрей", "Соколов", "andrey.sokolov")],
}  # fmt: skip
CONTACT_ORGS = {
    "en": ["Example City Public Library", "Example University Library",
           "Demo Library Association"],
    "ru": ["Демонстрационная ЦБС", "Примерная областная библиотека",
           "Тестовая сельская библиотека"],
}  # fmt: skip


@dataclass
class DemoRespondents:
    """Draws one respondent's answers at a time from a seeded random source."""

    rng: random.Random

    def __post_init__(self) -> None:
        known = country_codes()
        self.countries = {
            lang: self._weights({c: w for c, w in table.items() if c == "na" or c in known})
            for lang, table in (("en", EN_COUNTRIES), ("ru", RU_COUNTRIES))
        }
        self.q1 = {lang: self._weights(table) for lang, table in Q1_WEIGHTS.items()}
        self.q4 = self._weights(Q4_WEIGHTS)

    @staticmethod
    def _weights(table: Mapping[str, float]) -> tuple[list[str], list[float]]:
        codes = list(table)
        cumulative, total = [], 0.0
        for code in codes:
            total += table[code]
            cumulative.append(total)
        return codes, cumulative

    def pick(self, table: tuple[list[str], list[float]]) -> str:
        codes, cumulative = table
        return self.rng.choices(codes, cum_weights=cumulative)[0]

    def answers(self, rate: str) -> bool:
        return self.rng.random() < ANSWER_RATE[rate]

    def text(self, pool: str, lang: str) -> str:
        return self.rng.choice(TEXTS[pool][lang])

    def ordered(self, items: list[str], preference: dict[str, float]) -> list[str]:
        """A preference order drawn item by item (Plackett-Luce)."""
        rng = self.rng
        return sorted(items, key=lambda item: -(rng.random() ** (1.0 / preference[item])))

    def chosen(self, chances: dict[str, float]) -> list[str]:
        picked = [code for code, chance in chances.items() if self.rng.random() < chance]
        return picked or [self.rng.choice(list(chances))]

    def respondent(self, lang: str) -> list[Row]:
        rng = self.rng
        rows: list[Row] = []
        add = rows.append
        if self.answers("q1"):
            code = self.pick(self.q1[lang])
            other = self.text("q1_other", lang) if code == "other" and rng.random() < 0.8 else None
            add(("q1", code, None, other))
        q2 = None
        if self.answers("q2"):
            q2 = "yes" if rng.random() < 0.7 else "no"
            add(("q2", q2, None, None))
        if q2 == "yes" and self.answers("q2_role"):
            add(("q2_role", "", None, self.text("q2_role", lang)))
        if self.answers("q3"):
            add(("q3", self.pick(self.countries[lang]), None, None))
        if self.answers("q4"):
            add(("q4", self.pick(self.q4), None, None))
        q5 = None
        if self.answers("q5"):
            q5 = "yes" if rng.random() < (0.31 if lang == "en" else 0.05) else "no"
            add(("q5", q5, None, None))
        if q5 == "yes" and self.answers("q5_budget"):
            add(("q5_budget", "", None, self.text("q5_budget", lang)))
        partners: list[str] = []
        if self.answers("q6"):
            partners = self.chosen(Q6_CHANCE[lang])
            for code in partners:
                other = None
                if code == "other" and rng.random() < 0.7:
                    other = self.text("q6_other", lang)
                add(("q6", code, None, other))
        if partners and self.answers("q7"):
            rows += self.ranking("q7", partners, Q7_PREFERENCE[lang], na_chance=0.08)
        for code in ("q8", "q9", "q10", "q11"):
            if self.answers(code):
                add((code, "", None, self.text(code, lang)))
        if self.answers("q12"):
            add(("q12", "yes" if rng.random() < 0.69 else "no", None, None))
        if self.answers("q13"):
            add(("q13", "", None, self.text("q13", lang)))
        if self.answers("q14"):
            items = ["libraries", "government", "business", "nonprofit", "associations", "other"]
            rows += self.ranking("q14", items, Q14_PREFERENCE[lang], na_chance=0.08)
        if self.answers("q15"):
            add(("q15", "", None, self.text("q15", lang)))
        if self.answers("q16"):
            for code in self.chosen(Q16_CHANCE[lang]):
                other = None
                if code == "other" and rng.random() < 0.8:
                    other = self.text("q16_other", lang)
                add(("q16", code, None, other))
        if self.answers("q17"):
            rows += self.contact(lang)
        return rows

    def ranking(
        self, code: str, offered: list[str], preference: dict[str, float], na_chance: float
    ) -> list[Row]:
        """One row per offered item: ranks 1..k without gaps, the rest not applicable."""
        order = self.ordered(offered, preference)
        ranked = [item for item in order if self.rng.random() >= na_chance] or order[:1]
        rank = {item: position for position, item in enumerate(ranked, start=1)}
        return [(code, item, rank.get(item), None) for item in offered]

    def contact(self, lang: str) -> list[Row]:
        rng = self.rng
        person = rng.choice(CONTACT_NAMES[lang])
        number = rng.randrange(1, 10_000)
        login = person[2] if lang == "ru" else f"{person[0]}.{person[1]}".lower()
        parts = {
            "name": f"{person[0]} {person[1]}",
            "organization": rng.choice(CONTACT_ORGS[lang]),
            "email": f"{login}{number}@example.org",
        }
        kept = [part for part in parts if rng.random() < 0.8] or ["email"]
        return [("q17", part, None, parts[part]) for part in kept]
