"""Vietnamese text in legacy encodings: TCVN3 (ABC), VNI-Windows and CP1258, decoded to UTF-8 NFC.

Decoding is strict everywhere: a byte an encoding has no letter for makes that encoding wrong for
the file, it never becomes a replacement character.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

ENCODINGS = ("utf-8", "tcvn3", "vni", "cp1258", "cp1252", "latin-1")
LEGACY = ("tcvn3", "vni", "cp1258")
ALIASES = {
    "utf8": "utf-8", "utf-8": "utf-8", "65001": "utf-8",
    "tcvn3": "tcvn3", "tcvn": "tcvn3", "abc": "tcvn3", "tcvn-3": "tcvn3", "vn3": "tcvn3",
    "vni": "vni", "vni-windows": "vni", "vniwin": "vni",
    "cp1258": "cp1258", "1258": "cp1258", "windows-1258": "cp1258", "ansi 1258": "cp1258",
    "cp1252": "cp1252", "1252": "cp1252", "windows-1252": "cp1252", "ansi 1252": "cp1252",
    "latin-1": "latin-1", "latin1": "latin-1", "iso-8859-1": "latin-1", "88591": "latin-1",
}


# What people call them, for reports.
LABELS = {"utf-8": "UTF-8", "tcvn3": "TCVN3 (ABC)", "vni": "VNI-Windows", "cp1258": "CP1258 (Windows-1258)",
          "cp1252": "CP1252 (Windows-1252)", "latin-1": "ISO-8859-1"}


class UndecodableText(ValueError):
    """Bytes that are not text in the given encoding."""


def canonical(name: str) -> str | None:
    """Our name for an encoding named in a .cpg file, a request or the command line; None if unknown."""
    return ALIASES.get(name.strip().lower().replace("_", "-"))


# TCVN 5712:1993 VN3 ("ABC"): one byte per letter; capitals with tone marks do not exist in it.
_TCVN3_HIGH = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}
_TCVN3_ENCODE = {v: k for k, v in _TCVN3_HIGH.items()}

# VNI-Windows: a base letter followed by a mark, both drawn from Windows-1252 glyphs.
_VNI_TONES = {"ø": "\u0300", "ù": "\u0301", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}


def _vni_table() -> dict[str, str]:
    table: dict[str, str] = {}
    tones = dict(_VNI_TONES)
    # Circumflex (â) and breve (ê) vowels take their tone inside the mark byte.
    circumflex = {"â": "", "à": "\u0300", "á": "\u0301", "å": "\u0309", "ã": "\u0303", "ä": "\u0323"}
    breve = {"ê": "", "è": "\u0300", "é": "\u0301", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}
    for lower in "aeouy":
        for mark, tone in tones.items():
            table[lower + mark] = lower + tone
    for base in "aeo":
        for mark, tone in circumflex.items():
            table[base + mark] = base + "\u0302" + tone
    for mark, tone in breve.items():
        table["a" + mark] = "a\u0306" + tone
    for single, letter in (("ô", "ơ"), ("ö", "ư")):
        table[single] = letter
        for mark, tone in tones.items():
            table[single + mark] = letter + tone
    table.update({"ñ": "đ", "ì": "ì", "í": "í", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ"})
    upper = {}
    for seq, letter in table.items():
        upper[seq.upper()] = letter.upper()
    table.update(upper)
    return {k: unicodedata.normalize("NFC", v) for k, v in table.items()}


_VNI = _vni_table()
# Longest sequences first, so "aâ" is not read as "a" then "â".
_VNI_PATTERN = re.compile("|".join(sorted((re.escape(k) for k in _VNI), key=len, reverse=True)))
_VNI_ENCODE = {v: k for k, v in _VNI.items() if len(k) == max(len(kk) for kk in _VNI if _VNI[kk] == v)}


def _decode_tcvn3(raw: bytes) -> str:
    out = []
    for i, byte in enumerate(raw):
        if byte < 0x80:
            out.append(chr(byte))
        elif byte in _TCVN3_HIGH:
            out.append(_TCVN3_HIGH[byte])
        else:
            raise UndecodableText(f"byte 0x{byte:02X} at {i} is not TCVN3")
    return "".join(out)


def _decode_vni(raw: bytes) -> str:
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise UndecodableText(str(exc)) from None
    return _VNI_PATTERN.sub(lambda m: _VNI[m.group(0)], text)


def decode(raw: bytes, encoding: str) -> str:
    """`raw` as text in UTF-8 NFC. Raises UndecodableText for bytes the encoding has no letter for."""
    if encoding == "tcvn3":
        text = _decode_tcvn3(raw)
    elif encoding == "vni":
        text = _decode_vni(raw)
    else:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise UndecodableText(str(exc)) from None
    return unicodedata.normalize("NFC", text)


def encode(text: str, encoding: str) -> bytes:
    """The inverse of `decode`, for writing test files and legacy exports. Strict as well."""
    text = unicodedata.normalize("NFC", text)
    if encoding == "tcvn3":
        out = bytearray()
        for ch in text:
            if ord(ch) < 0x80:
                out.append(ord(ch))
            elif ch in _TCVN3_ENCODE:
                out.append(_TCVN3_ENCODE[ch])
            else:
                raise UndecodableText(f"{ch!r} has no TCVN3 code")
        return bytes(out)
    if encoding == "vni":
        return "".join(_VNI_ENCODE.get(ch, ch) for ch in text).encode("cp1252")
    if encoding == "cp1258":
        return b"".join(_encode_cp1258_char(ch) for ch in text)
    return text.encode(encoding)


def _encode_cp1258_char(ch: str) -> bytes:
    try:
        return ch.encode("cp1258")
    except UnicodeEncodeError:
        pass
    # CP1258 has the vowels with their own marks (â, ơ, …) but few with tones: the tone follows as a
    # combining mark.
    nfd = unicodedata.normalize("NFD", ch)
    head = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in _TONES))
    tones = "".join(c for c in nfd if c in _TONES)
    try:
        return head.encode("cp1258") + tones.encode("cp1258")
    except UnicodeEncodeError:
        pass
    raise UndecodableText(f"{ch!r} has no CP1258 code")


_VIETNAMESE_LETTERS = set(
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵfjwz"
)
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_WORD = re.compile(r"[^\W\d_]+")


def _plausible(word: str) -> bool:
    """A word made of Vietnamese letters with at most one tone mark, as every syllable has."""
    if any(ch.lower() not in _VIETNAMESE_LETTERS for ch in word):
        return False
    return sum(1 for ch in unicodedata.normalize("NFD", word) if ch in _TONES) <= 1


@dataclass(frozen=True)
class Guess:
    encoding: str | None  # None: no confident answer; the steward chooses from `previews`
    scores: dict[str, float]
    previews: dict[str, list[str]]


def guess(samples: Iterable[bytes], *, preview_size: int = 5) -> Guess:
    """The encoding of these text values: UTF-8 when they decode as UTF-8, else the legacy encoding
    under which (nearly) every non-ASCII word is a Vietnamese syllable, if exactly one is."""
    samples = [s for s in samples if s]
    non_ascii = [s for s in samples if not s.isascii()]
    if not non_ascii:
        return Guess("utf-8", {"utf-8": 1.0}, {})
    scores: dict[str, float] = {}
    previews: dict[str, list[str]] = {}
    for encoding in ("utf-8", *LEGACY):
        try:
            texts = [decode(s, encoding) for s in non_ascii]
        except UndecodableText:
            continue
        words = [w for t in texts for w in _WORD.findall(t) if not w.isascii()]
        scores[encoding] = sum(map(_plausible, words)) / len(words) if words else 0.0
        previews[encoding] = texts[:preview_size]
    if "utf-8" in scores:
        return Guess("utf-8", scores, previews)
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    if ranked and ranked[0][1] >= 0.9 and (len(ranked) == 1 or ranked[0][1] - ranked[1][1] >= 0.2):
        return Guess(ranked[0][0], scores, previews)
    return Guess(None, scores, previews)
