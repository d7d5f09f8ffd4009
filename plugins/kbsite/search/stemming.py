"""The Snowball stemmer of a language, as the rep index and the help center's index use it.

Its own module so that what writes the help center's index does not import the search engine
(Whoosh's index and query code, numpy): ``kb build`` loads it only when a page changed.
"""

from __future__ import annotations

import functools

from kbsite.search.analysis import Stemmer


@functools.cache
def stemmer(lang: str) -> Stemmer | None:
    """The Snowball stemmer Whoosh has for a language (memoised: a KB repeats its words), or
    None for languages without one (te, lv, tl)."""
    from whoosh.lang import has_stemmer, stemmer_for_language

    if not has_stemmer(lang):
        return None
    return functools.lru_cache(maxsize=200_000)(stemmer_for_language(lang))
