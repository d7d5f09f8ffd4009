"""Words derived from one another that Snowball leaves apart: ``pay`` and ``payment``,
``extend`` and ``extension``, ``deliver`` and ``delivery``, ``private`` and ``privacy``.

Snowball strips a derivational ending only from a long enough word (``settlement`` but not
``payment``) and never rewrites a Latin stem (``suspend``, ``suspension``), so a rep typing
one form misses pages that use the other, and stock Lucene's stemmers do no better. Here each
language has a short table of endings that alternate (``end`` ↔ ``ension``); ``related`` gives
the words a word would be with the other ending. They are only candidates: the ranker keeps
those the index holds, with their inflections (their Snowball families, less the words that
only begin alike: ``conversion`` is not ``conversation``), a little below the word's own
forms.

A pair joined wrongly costs little (the other word counts for less than the word typed, and
only in pages that hold it); the table keeps to endings whose pairs mean the same thing in
help and policy text, and leaves out those that mostly do not (``part``/``party``,
``pack``/``package``, ``state``/``statement``).
"""

from __future__ import annotations

import functools

from kbsite.search.stopwords import is_stopword

#: Per language: (root ending, derived ending) pairs. A word ending in either gets the other
#: in its place, if a letter at least stays in front of it.
ENDINGS: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        ("", "ment"),  # pay/payment, ship/shipment, agree/agreement, attach/attachment
        ("", "ship"),  # own/ownership, member/membership, partner/partnership
        ("ail", "ailure"),  # fail/failure
        ("ose", "osure"),  # close/closure, disclose/disclosure, expose/exposure
        ("ase", "asure"),  # erase/erasure
        ("er", "ery"),  # deliver/delivery, recover/recovery, discover/discovery
        ("ore", "orage"),  # store/storage
        ("use", "usage"),  # use/usage
        ("over", "overage"),  # cover/coverage
        ("ify", "ification"),  # notify/notification, verify/verification
        ("ibe", "iption"),  # subscribe/subscription, describe/description
        ("mit", "mission"),  # permit/permission, submit/submission, transmit/transmission
        ("ister", "istration"),  # register/registration, administer/administration
        ("end", "ension"),  # extend/extension, suspend/suspension
        ("and", "ansion"),  # expand/expansion
        ("ide", "ision"),  # decide/decision, provide/provision, divide/division
        ("ude", "usion"),  # include/inclusion, exclude/exclusion, conclude/conclusion
        ("olve", "olution"),  # resolve/resolution, solve/solution
        ("uce", "uction"),  # reduce/reduction, produce/production, introduce/introduction
        ("ume", "umption"),  # consume/consumption, assume/assumption, resume/resumption
        ("ain", "anation"),  # explain/explanation
        ("ain", "enance"),  # maintain/maintenance
        ("eem", "emption"),  # redeem/redemption
        ("ate", "acy"),  # private/privacy, accurate/accuracy
        # British and American spelling
        ("ise", "ize"),  # organise/organize
        ("isation", "ization"),
        ("iour", "ior"),  # behaviour/behavior
        ("olour", "olor"),  # colour/color
        ("avour", "avor"),  # favour/favor
        ("onour", "onor"),  # honour/honor
        ("abour", "abor"),  # labour/labor
        ("ntre", "nter"),  # centre/center
        ("etre", "eter"),  # metre/meter
        ("icence", "icense"),  # licence/license
        ("efence", "efense"),  # defence/defense
        ("ffence", "ffense"),  # offence/offense
    ),
}
#: Pairs the endings would join that mean different things.
UNRELATED: dict[str, frozenset[frozenset[str]]] = {
    "en": frozenset(
        frozenset(pair)
        for pair in (
            ("state", "statement"), ("com", "comment"), ("depart", "department"),
            ("apart", "apartment"), ("base", "basement"), ("ever", "every"),
            ("batter", "battery"), ("gall", "gallery"), ("hard", "hardship"),
            ("war", "warship"), ("town", "township"), ("relation", "relationship"),
            ("arm", "armament"), ("seg", "segment"), ("ser", "sery"),
        )
    ),
}  # fmt: skip


@functools.lru_cache(maxsize=50_000)
def _lemmas(word: str) -> tuple[str, ...]:
    """``word`` and what it may be without an inflection (``payments``: ``payment``;
    ``submitted``: ``submit``): candidates only, as the derived words are."""
    out = dict.fromkeys([word])
    for ending, instead in (
        ("ies", "y"), ("ied", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"),
        ("ing", ""), ("ing", "e"),
    ):  # fmt: skip
        if word.endswith(ending) and not word.endswith("ss") and len(word) - len(ending) >= 3:
            base = word[: len(word) - len(ending)] + instead
            out.setdefault(base, None)
            if not instead and len(base) > 3 and base[-1] == base[-2]:
                out.setdefault(base[:-1], None)  # submitted, submitting: submit
    return tuple(out)


def inflects(word: str, lemma: str) -> bool:
    """Whether ``word`` is ``lemma`` or one of its inflections (``deliveries`` of
    ``delivery``; ``conversations`` is not one of ``conversion``, though Snowball gives both
    one stem)."""
    return lemma in _lemmas(word)


@functools.lru_cache(maxsize=20_000)
def related(word: str, lang: str) -> tuple[str, ...]:
    """The words ``word`` (folded), or its form without an inflection, would be with another
    ending of its language's table; () for a function word or a language without a table."""
    table = ENDINGS.get(lang)
    if not table or is_stopword(word, lang):
        return ()
    lemmas = _lemmas(word)
    unrelated = UNRELATED.get(lang, frozenset())
    out: dict[str, None] = {}
    for lemma in lemmas:
        if len(lemma) < 3:
            continue
        for root, derived in table:
            for have, other in ((derived, root), (root, derived)):
                if lemma.endswith(have) and len(lemma) > len(have):
                    candidate = lemma[: len(lemma) - len(have)] + other
                    if (
                        len(candidate) >= 3
                        and candidate not in lemmas
                        and not is_stopword(candidate, lang)
                        and frozenset((lemma, candidate)) not in unrelated
                    ):
                        out.setdefault(candidate, None)
    return tuple(out)
