"""How people type the name of a commune, and the one form we compare: "Xã Vĩnh Lợi", "xa vinh loi",
"Vĩnh Lợi", "X. Vĩnh Lợi", "VINH LOI" all become "vinh loi"; "Phường 5", "P.5", "P05", "phuong 05"
become "5"; "Thị trấn Tân Hưng", "TT Tân Hưng" become "tan hung".
"""

import re
import unicodedata

# The unit type before a name: written out, abbreviated ("TT", "P.", "X."), or as Saigon writes a
# numbered ward ("F5"); a word counts only as a whole word, a lone letter only before a dot or a number.
# District types too ("Huyện Tân Hưng", "TX Kiến Tường", "TP. Tân An"), for a district column.
_PREFIX = re.compile(
    r"^(?:(?:thi tran|thi xa|thanh pho|huyen|quan|phuong|xa|tt|tx|tp)(?=[\s\d.])|p\.|x\.|f\.?(?=\s*\d)"
    r"|p(?=\s*\d))[\s.]*"
)
_LEADING_ZEROS = re.compile(r"\b0+(\d)")


def fold(text: str) -> str:
    """Lower case, without diacritics (đ → d), single spaces: what a name is compared on."""
    text = unicodedata.normalize("NFD", text.strip().replace("Đ", "D").replace("đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9.]+", " ", text).split())


def match_name(name: str) -> str:
    """The form a unit's name is matched on: folded, without its type ("xã", "phường", "thị trấn")
    and leading zeros of a number."""
    folded = fold(name)
    bare = _PREFIX.sub("", folded, count=1).strip(" .") or folded
    return _LEADING_ZEROS.sub(r"\1", bare.replace(".", " ")).strip().replace("  ", " ")


_KINDS = (("thi tran", "thi tran"), ("tt", "thi tran"), ("phuong", "phuong"), ("p", "phuong"), ("f", "phuong"),
          ("xa", "xa"), ("x", "xa"))


def kind_of(name: str) -> str | None:
    """The unit type a name is written with ("thi tran", "phuong", "xa"), None when it has none: it
    tells "Thị trấn Hiệp Hòa" from "Xã Hiệp Hòa" in one district."""
    prefix = _PREFIX.match(fold(name))
    if not prefix:
        return None
    word = prefix.group(0).strip(" .")
    return next((kind for abbreviation, kind in _KINDS if word == abbreviation), None)
