"""The questionnaire of the library advocacy partnerships survey (2013, 17 questions).

Defined once, as data: each question is an instance of its type, each page lists the codes
it asks. The codes are the form contract and the dataset's column names (see the README).
"""

from __future__ import annotations

from survey.i18n import lazy_gettext as _l
from survey.questionnaire.base import Condition, Option, Question
from survey.questionnaire.choice import MultipleChoiceQuestion, SingleChoiceQuestion, YesNoQuestion
from survey.questionnaire.contact import ContactPart, ContactQuestion
from survey.questionnaire.country import CountryQuestion
from survey.questionnaire.library_advocacy_demo import DemoRespondents
from survey.questionnaire.questionnaire import Page, Questionnaire
from survey.questionnaire.ranking import RankingQuestion
from survey.questionnaire.text import ShortTextQuestion, TextQuestion

PARTNER_TYPES = (
    Option("libraries", _l("Other libraries")),
    Option("government", _l("Government agencies")),
    Option("business", _l("Commercial organisations / businesses")),
    Option("nonprofit", _l("Non-profit organisations")),
    Option("associations", _l("Local, regional or international library associations")),
    Option("other", _l("Other"), form_label=_l("Other (please specify)")),
)

QUESTIONS: tuple[Question, ...] = (
    SingleChoiceQuestion(
        code="q1",
        short=_l("Type of library"),
        text=_l("Please mark the type of library you represent."),
        options=(
            Option("association", _l("Professional union / association")),
            Option("public", _l("Public / community library")),
            Option("national", _l("National library")),
            Option("academic", _l("Academic library")),
            Option("school", _l("School library")),
            Option("other", _l("Other"), form_label=_l("Other (please specify)")),
        ),
        other_field="q1_other",
    ),
    YesNoQuestion(
        code="q2",
        short=_l("Association member"),
        text=_l("Are you a member of a library association?"),
    ),
    ShortTextQuestion(
        code="q2_role",
        short=_l("Role in the association"),
        text=_l("If yes, what is your role in the association?"),
        hint=_l("For example: member, committee member, board member, president."),
        condition=Condition("q2", "yes"),
    ),
    CountryQuestion(code="q3", short=_l("Country"), text=_l("In which country is your library?")),
    SingleChoiceQuestion(
        code="q4",
        short=_l("People served"),
        text=_l("How many people does your library serve?"),
        options=(
            Option("lt5k", _l("0 – 4,999")),
            Option("5k", _l("5,000 – 24,999")),
            Option("25k", _l("25,000 – 49,999")),
            Option("50k", _l("50,000 – 99,999")),
            Option("100k", _l("100,000 or more")),
            Option("na", _l("Don't know / not applicable")),
        ),
    ),
    YesNoQuestion(
        code="q5",
        short=_l("Advocacy budget"),
        text=_l("Does your library organisation have a budget for advocacy efforts?"),
    ),
    ShortTextQuestion(
        code="q5_budget",
        short=_l("Annual advocacy budget"),
        text=_l("If so, please give the approximate annual budget allocation for advocacy."),
        hint=_l("An approximate amount with its currency, for example 5,000 EUR."),
        condition=Condition("q5", "yes"),
    ),
    MultipleChoiceQuestion(
        code="q6",
        short=_l("Partners for advocacy"),
        text=_l(
            "What types of organisations has your library partnered with for advocacy? "
            "Please select all that apply."
        ),
        options=PARTNER_TYPES,
        other_field="q6_other",
    ),
    RankingQuestion(
        code="q7",
        short=_l("Best partners, ranked"),
        text=_l(
            "Of the organisations that your library partners with, please rank them in order "
            "of who makes the best partners for your advocacy efforts, #1 being the best partner."
        ),
        items=PARTNER_TYPES,
        source="q6",
    ),
    TextQuestion(
        code="q8",
        short=_l("A successful partnership"),
        text=_l(
            "Please give an example of a successful partnership and mention the advocacy "
            "programmes or policies you implemented."
        ),
    ),
    TextQuestion(
        code="q9",
        short=_l("Challenges"),
        text=_l(
            "During your experiences partnering on advocacy efforts, please describe any "
            "challenges you have encountered, whether you were able to resolve them, and if "
            "so how."
        ),
    ),
    TextQuestion(
        code="q10",
        short=_l("Achievements and benefits"),
        text=_l(
            "Please mention important achievements or benefits you realised through your "
            "partnership."
        ),
    ),
    TextQuestion(
        code="q11",
        short=_l("Work with partners"),
        text=_l(
            "Please describe the work you and your advocacy partner(s) are engaged in. If you "
            "have created advocacy tools, resources or materials, please include links to them "
            "or contact information for accessing them."
        ),
    ),
    YesNoQuestion(
        code="q12",
        short=_l("Support within the organisation"),
        text=_l(
            "Do you have support within your library organisation to pursue collaborative "
            "partnerships toward advocacy?"
        ),
    ),
    TextQuestion(
        code="q13",
        short=_l("Impact of support"),
        text=_l("How does this support (or lack of support) impact your work?"),
    ),
    RankingQuestion(
        code="q14",
        short=_l("Desired partners, ranked"),
        text=_l(
            "Beyond your existing partnerships, please rank which community stakeholders you "
            "would like to partner with on advocacy efforts, #1 being the best potential partner."
        ),
        items=(
            Option("libraries", _l("Other libraries")),
            Option("government", _l("Government agencies")),
            Option("business", _l("Business")),
            Option("nonprofit", _l("Non-governmental organisations (NGOs)")),
            Option("associations", _l("Library associations")),
            Option("other", _l("Others")),
        ),
    ),
    TextQuestion(
        code="q15",
        short=_l("What a partnership should accomplish"),
        text=_l("What would you want this collaboration or partnership to accomplish?"),
    ),
    MultipleChoiceQuestion(
        code="q16",
        short=_l("Steps towards a new collaboration"),
        text=_l(
            "What steps, tools and/or resources would you take to pursue a new collaboration "
            "for advocacy efforts?"
        ),
        hint=_l("Select all that apply."),
        options=(
            Option("meetings", _l("Face-to-face persuasive meetings")),
            Option("focus_groups", _l("Focus group discussions")),
            Option("mou", _l("Partnership agreement (memorandum of understanding, MOU)")),
            Option("statements", _l("Public statements")),
            Option("other", _l("Other"), form_label=_l("Other (please specify)")),
        ),
        other_field="q16_other",
    ),
    ContactQuestion(
        code="q17",
        short=_l("Contact details"),
        text=_l(
            "If you would like to take part in further collaboration, please leave your "
            "contact details."
        ),
        hint=_l(
            "Used only by the working group to contact you; never published or shared with "
            "your answers."
        ),
        parts=(
            ContactPart("name", _l("Name"), autocomplete="name"),
            ContactPart("organization", _l("Organisation"), autocomplete="organization"),
            ContactPart("email", _l("E-mail"), autocomplete="email", input_type="email"),
        ),
    ),
)


PAGES: tuple[Page, ...] = (
    Page("library", _l("You and your library"), ("q1", "q2", "q2_role", "q3", "q4")),
    Page("partners", _l("Budget and partners"), ("q5", "q5_budget", "q6")),
    Page("best-partners", _l("Your best partners"), ("q7",)),
    Page("experience", _l("Your experience"), ("q8", "q9", "q10", "q11")),
    Page("support", _l("Support and future partners"), ("q12", "q13", "q14")),
    Page("next-steps", _l("Next steps"), ("q15", "q16", "q17")),
)


QUESTIONNAIRE = Questionnaire(QUESTIONS, PAGES, demo=DemoRespondents)
