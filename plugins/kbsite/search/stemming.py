"""The Snowball stemmer of a language, as the rep index and the help center's index use it.

Snowball's own C stemmers (PyStemmer), not Whoosh's pure-Python port of an older Snowball:
5–10× faster a word (a query's words are stemmed in every language with a stemmer, and so
are the index's words they are compared with), and Snowball 2's English no longer reduces
``added`` to ``ad`` or ``organization`` to ``organ``.

Its own module so that what writes the help center's index does not import the search engine
(Whoosh's index and query code, numpy): ``kb build`` loads it only when a page changed.
"""

from __future__ import annotations

import functools
import threading

import Stemmer as snowball

from kbsite.search.analysis import Stemmer

#: The Snowball algorithm of each language (ISO 639-1) that has one, as Whoosh had them.
ALGORITHMS = {
    "ar": "arabic",
    "da": "danish",
    "de": "german",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
    "tr": "turkish",
}


@functools.cache
def stemmer(lang: str) -> Stemmer | None:
    """The Snowball stemmer of a language, or None for languages without one (te, lv, tl);
    memoised: a KB repeats its words. One C stemmer per thread (they are not safe to share),
    without its own memo (a list per word, which the garbage collector would walk)."""
    algorithm = ALGORITHMS.get(lang)
    if algorithm is None:
        return None
    local = threading.local()

    def stem(word: str) -> str:
        try:
            own = local.stemmer
        except AttributeError:
            own = local.stemmer = snowball.Stemmer(algorithm, 0)
        return own.stemWord(word)

    return functools.lru_cache(maxsize=200_000)(stem)
