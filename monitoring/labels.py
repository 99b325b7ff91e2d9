"""The models' choice labels are written "Vietnamese / English" (monitoring.models): the half a reader
of the active language reads."""

from django.utils.translation import get_language


def choice_label(label: str) -> str:
    vi, _, en = str(label).partition(" / ")
    return en if en and (get_language() or "vi").startswith("en") else vi
