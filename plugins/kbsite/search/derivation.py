"""Words derived from one another that Snowball leaves apart: ``pay`` and ``payment``,
``extend`` and ``extension``, ``deliver`` and ``delivery``, ``private`` and ``privacy``.

Snowball strips a derivational ending only from a long enough word (``settlement`` but not
``payment``) and never rewrites a Latin stem (``suspend``, ``suspension``), so a rep typing
one form misses pages that use the other, and stock Lucene's stemmers do no better. Here each
language has a short table of endings that alternate (``end`` ↔ ``ension``); ``related`` gives
the words a word would be with the other ending. They are only candidates: the ranker keeps
those the index holds, with their inflections (their Snowball families, less the words that
only begin alike: ``extensions`` is one of ``extension``, ``extensive`` is not), a little
below the word's own forms.

A pair joined wrongly costs little (the other word counts for less than the word typed, and
only in pages that hold it); the table keeps to endings whose pairs mean the same thing in
help and policy text, and leaves out those that mostly do not (``part``/``party``,
``pack``/``package``, ``state``/``statement``).
"""

from __future__ import annotations

import functools

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
UNRELATED: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        ("state", "statement"), ("com", "comment"), ("depart", "department"),
        ("apart", "apartment"), ("base", "basement"), ("ever", "every"),
        ("batter", "battery"), ("gall", "gallery"), ("hard", "hardship"),
        ("war", "warship"), ("town", "township"), ("relation", "relationship"),
        ("arm", "armament"), ("seg", "segment"), ("ser", "sery"),
        ("install", "installment"), ("instal", "instalment"),  # setup, not paying in parts
    ),
}  # fmt: skip
#: Per language: (inflection, what replaces it) pairs a word may end in.
INFLECTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        ("ies", "y"), ("ied", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"),
        ("ing", ""), ("ing", "e"),
    ),
}  # fmt: skip
#: The fewest letters a word, and a word without its inflection, may have.
_SHORTEST = 3


def table(lang: str) -> dict[str, list[list[str]]] | None:
    """A language's tables as JSON (the help center's search derives words in the browser
    from them, as ``related`` does here); None for a language without one."""
    if lang not in ENDINGS:
        return None
    return {
        "endings": [list(pair) for pair in ENDINGS[lang]],
        "unrelated": [list(pair) for pair in UNRELATED.get(lang, ())],
        "inflections": [list(pair) for pair in INFLECTIONS.get(lang, ())],
    }


@functools.lru_cache(maxsize=50_000)
def lemmas(word: str, lang: str) -> tuple[str, ...]:
    """``word`` and what it may be without an inflection of its language (``payments``:
    ``payment``; ``submitted``: ``submit``), in order: candidates only, as the derived words
    are."""
    out = dict.fromkeys([word])
    for ending, instead in INFLECTIONS.get(lang, ()):
        if (
            word.endswith(ending)
            and not word.endswith("ss")
            and len(word) - len(ending) >= _SHORTEST
        ):
            base = word[: len(word) - len(ending)] + instead
            out.setdefault(base, None)
            if not instead and len(base) > _SHORTEST and base[-1] == base[-2]:
                out.setdefault(base[:-1], None)  # submitted, submitting: submit
    return tuple(out)


def inflects(word: str, lemma: str, lang: str) -> bool:
    """Whether ``word`` is ``lemma`` or one of its inflections (``deliveries`` of
    ``delivery``; ``extensive`` is not one of ``extension``, though Snowball gives both one
    stem)."""
    return lemma in lemmas(word, lang)


@functools.cache
def _unrelated(lang: str) -> frozenset[frozenset[str]]:
    return frozenset(frozenset(pair) for pair in UNRELATED.get(lang, ()))


@functools.lru_cache(maxsize=20_000)
def related(word: str, lang: str) -> tuple[str, ...]:
    """The words ``word`` (folded), or its form without an inflection, would be with another
    ending of its language's table, in order; () in a language without a table."""
    endings = ENDINGS.get(lang)
    if not endings:
        return ()
    own = lemmas(word, lang)
    unrelated = _unrelated(lang)
    out: dict[str, None] = {}
    for lemma in own:
        if len(lemma) < _SHORTEST:
            continue
        for root, derived in endings:
            for have, other in ((derived, root), (root, derived)):
                if lemma.endswith(have) and len(lemma) > len(have):
                    candidate = lemma[: len(lemma) - len(have)] + other
                    if (
                        len(candidate) >= _SHORTEST
                        and candidate not in own
                        and frozenset((lemma, candidate)) not in unrelated
                    ):
                        out.setdefault(candidate, None)
    return tuple(out)
