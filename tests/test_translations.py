"""Vietnamese first: every message the platform can show has a Vietnamese translation."""

import re
from pathlib import Path

from django.utils import translation

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def entries(po: Path) -> list[tuple[str, str]]:
    text = po.read_text(encoding="utf-8")
    pairs = []
    for block in text.split("\n\n")[1:]:
        msgid = "".join(re.findall(r'^(?:msgid|")\s*"?(.*?)"$', block.split("msgstr")[0], re.M))
        msgstr = "".join(re.findall(r'^msgstr(?:\[0\])?\s*"(.*)"$', block, re.M))
        pairs.append((msgid, msgstr))
    return pairs


def test_every_message_has_a_vietnamese_translation():
    missing = [msgid for msgid, msgstr in entries(LOCALE / "vi" / "LC_MESSAGES" / "django.po") if not msgstr]
    assert missing == []


def test_the_compiled_catalog_is_the_one_django_uses():
    with translation.override("vi"):
        assert translation.gettext("Sign in") == "Đăng nhập"
    with translation.override("en"):
        assert translation.gettext("Sign in") == "Sign in"
