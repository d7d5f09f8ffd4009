"""Function words per language: ignored when matching, unless a query has nothing else.

The lists come from maintained sources and were reviewed for customer-service text:

- ``en``, ``it``: the Snowball project's stop lists (as shipped with Whoosh). English keeps
  the particles of phrasal verbs and negations (``sign up``, ``turn off``, ``not working``);
  Italian adds the elided forms our tokenizer leaves behind (``d'ordine`` → ``d``).
- ``tl``, ``lv``: stopwords-iso (the ``stopwordsiso`` package). Its Tagalog list also holds
  numbers and everyday nouns and verbs (``lima`` five, ``paraan`` way, ``ilagay`` put,
  ``likod`` back): those are content in a help text and are kept searchable. Tagalog adds
  the verb prefix ``i`` that a hyphen leaves on its own (``i-reset``).
- ``te``: no maintained list covers Telugu, so this module has a short one of its own:
  conjunctions, pronouns, question words, postpositions written apart, and the light verb
  ``చేయు`` ("do") in the forms that follow an English loanword (``రీసెట్ చేయండి``).

Words are folded as the index folds them (``analysis.fold``).
"""

from __future__ import annotations

import functools

import stopwordsiso
from whoosh.lang.stopwords import stoplists

from kbsite.search.analysis import fold

#: Words of the source lists that are content in customer-service text.
_KEEP = {
    "en": {"off", "up", "down", "out", "over", "under", "no", "not", "nor", "against"},
    "tl": {
        "paraan", "isa", "dalawa", "tatlo", "apat", "lima", "una", "pangalawa", "kailangan",
        "ilagay", "panahon", "gusto", "makita", "nakita", "kumuha", "mahusay", "likod",
        "ibaba", "itaas", "ibabaw", "ilalim", "gumawa", "paggawa", "ginawa", "ginawang",
        "gagawin", "ginagawa", "pumunta", "pumupunta", "sabihin", "sabi", "palabas",
        "pagkakaroon", "nagkaroon", "kulang", "bababa", "pababa", "pataas", "sarili",
        "katiyakan", "karamihan", "laban",
    },
}  # fmt: skip
_EXTRA = {
    "it": {"d", "quest", "nessun", "po"},
    "tl": {"i"},  # the verb prefix written apart (``i-reset``, ``i-set up``)
    "te": {
        "మరియు", "లేదా", "కానీ", "కాని", "కూడా", "ఈ", "ఆ", "ఒక", "అని", "ఇది", "అది", "ఇవి",
        "అవి", "నేను", "మీరు", "మీ", "మా", "నా", "మేము", "మనం", "వారు", "వారి", "దాని",
        "దీని", "నుండి", "నుంచి", "కోసం", "గురించి", "వరకు", "లో", "ఉంది", "ఉన్నాయి", "ఉన్న",
        "అయితే", "ఎలా", "ఏమిటి", "ఏమి", "ఎందుకు", "ఎప్పుడు", "ఎక్కడ", "ఏ", "ఎవరు", "చాలా",
        "మాత్రమే", "ప్రతి", "చేయండి", "చేయాలి", "చేయడం", "చేయవచ్చు", "చేసి", "చేస్తే",
    },
}  # fmt: skip


@functools.cache
def stopwords(lang: str) -> frozenset[str]:
    """The folded function words of a language (empty for a language without a list)."""
    if lang in stoplists:
        source = set(stoplists[lang])
    elif stopwordsiso.has_lang(lang):
        source = set(stopwordsiso.stopwords(lang))
    else:
        source = set()
    words = (source - _KEEP.get(lang, set())) | _EXTRA.get(lang, set())
    return frozenset(fold(word) for word in words)


def is_stopword(word: str, lang: str) -> bool:
    """Whether a folded word is a function word of ``lang``."""
    return word in stopwords(lang)
