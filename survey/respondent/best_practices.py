"""The nine best practices the working group distilled from the 2013 survey."""

from survey.i18n import lazy_gettext as _l

BEST_PRACTICES = (
    _l("Recognise and use the unique expertise of each partner."),
    _l(
        "Create or co-create materials that your partners can use to advocate for libraries "
        "beyond your reach."
    ),
    _l(
        "Provide the training and support your staff need, so that everyone on your library "
        "team can become an advocate."
    ),
    _l("Get a library presence embedded in your local government."),
    _l(
        "Find the issues that local, national and regional governments care about, and show "
        "how your libraries are creating solutions to those issues."
    ),
    _l("Set aside a separate budget for advocacy."),
    _l(
        "Partner with organisations of varied backgrounds: governmental, non-governmental, "
        "business and others."
    ),
    _l("Develop advocacy programmes and/or policies."),
    _l("Get national library associations involved in advocacy programmes."),
)
