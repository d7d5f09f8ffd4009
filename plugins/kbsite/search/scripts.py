"""Which configured language a query is written in, when its script says so.

A query in Telugu script can only be Telugu when Telugu is the one configured language written
in it, so rep search then searches that language; a query in Latin letters could be English,
Italian, Tagalog or Latvian, and says nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

import regex

#: The script each language is written in (ISO 639-1 code -> Unicode script name). A language
#: missing here is taken to be written in Latin letters.
SCRIPTS: dict[str, str] = {
    "am": "Ethiopic",
    "ar": "Arabic",
    "be": "Cyrillic",
    "bg": "Cyrillic",
    "bn": "Bengali",
    "el": "Greek",
    "fa": "Arabic",
    "gu": "Gujarati",
    "he": "Hebrew",
    "hi": "Devanagari",
    "hy": "Armenian",
    "ja": "Han",
    "ka": "Georgian",
    "km": "Khmer",
    "kn": "Kannada",
    "ko": "Hangul",
    "lo": "Lao",
    "mk": "Cyrillic",
    "ml": "Malayalam",
    "mn": "Cyrillic",
    "mr": "Devanagari",
    "my": "Myanmar",
    "ne": "Devanagari",
    "or": "Oriya",
    "pa": "Gurmukhi",
    "ru": "Cyrillic",
    "si": "Sinhala",
    "sr": "Cyrillic",
    "ta": "Tamil",
    "te": "Telugu",
    "th": "Thai",
    "uk": "Cyrillic",
    "ur": "Arabic",
    "zh": "Han",
}
_LETTER = regex.compile(r"\p{L}")
#: Kana are written with Han in Japanese.
_ALIASES = {"Hiragana": "Han", "Katakana": "Han"}
_PATTERNS = {
    name: regex.compile(rf"\p{{Script={name}}}")
    for name in ("Latin", *sorted(set(SCRIPTS.values())), "Hiragana", "Katakana")
}


def script_of(letter: str) -> str:
    """The Unicode script of one letter (``Latin``, ``Telugu``, ...)."""
    for name, pattern in _PATTERNS.items():
        if pattern.match(letter):
            return _ALIASES.get(name, name)
    return "Other"


def language_of_query(query: str, languages: Iterable[str]) -> str | None:
    """The one configured language written in the script of every letter of ``query``, or
    None when the letters are in several scripts, in Latin, or in a script no configured
    language uses (or in several languages' script)."""
    scripts = {script_of(letter) for letter in set(_LETTER.findall(query[:500]))}
    if len(scripts) != 1:
        return None
    script = scripts.pop()
    if script in ("Latin", "Other"):
        return None
    users = [lang for lang in languages if SCRIPTS.get(lang.split("-")[0], "Latin") == script]
    return users[0] if len(users) == 1 else None
