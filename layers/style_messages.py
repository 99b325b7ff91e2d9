"""The interface strings of the style editor (dashboard/static/dashboard/js/style-editor.js), which the
dashboard's layer panel and the steward's import page both show: each page carries them translated
(dashboard.messages, layers.import_views), looked up by their English msgid."""

from django.utils.translation import gettext, gettext_noop

STYLE_EDITOR_MESSAGES = (
    gettext_noop("Cancel"),
    gettext_noop("Categories: colour and name"),
    gettext_noop("Classes"),
    gettext_noop("Colour"),
    gettext_noop("Colour by category"),
    gettext_noop("Colour by number (classes)"),
    gettext_noop("Colour of %(value)s"),
    gettext_noop("Draw"),
    gettext_noop("English name of %(value)s"),
    gettext_noop("Name (English)"),
    gettext_noop("Name (Vietnamese)"),
    gettext_noop("One colour"),
    gettext_noop("Property"),
    gettext_noop("Save style"),
    gettext_noop("Size by number"),
    gettext_noop("Style of %(title)s"),
    gettext_noop("Style saved: every map now draws the layer this way."),
    gettext_noop("The style could not be saved: %(reason)s"),
    gettext_noop("This layer has no number to draw by."),
    gettext_noop("This layer has no property to draw by."),
    gettext_noop("Value"),
    gettext_noop("Vietnamese name of %(value)s"),
)


def translated_style_messages() -> dict[str, str]:
    return {msgid: gettext(msgid) for msgid in STYLE_EDITOR_MESSAGES}
