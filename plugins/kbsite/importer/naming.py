"""Stable ids and file names for imported pages.

An id is the prefix and the significant words of the file name, transliterated to ASCII
(``How to track my order.md`` → ``HC-TRACK-ORDER``). Pages whose ids would collide, with each
other or with pages already in the KB, all move to a longer form (every word, then the folder
names, then a hash of the source path), so the same input always gives the same ids.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable

from anyascii import anyascii

from kbsite.importer.sources import INDEX_NAMES
from kbsite.markdown.slugs import slugify

ID_PREFIX = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")
DEFAULT_PREFIX = {"article": "KB", "policy": "POL", "procedure": "PROC"}
_WORD = re.compile(r"[A-Za-z0-9]+")
_STOP = frozenset(
    "a an and are as at be by can do does for from how i if in is it my of on or the to what "
    "when where which why will with you your".split()
)
MAX_WORDS = 5


def short_hash(text: str, length: int = 6) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length].upper()


def page_name(key: str) -> tuple[list[str], str]:
    """The folders and the name that stand for a page (an index page stands for its folder)."""
    parts = key.split("/")
    stem = parts[-1].rsplit(".", 1)[0]
    folders = parts[:-1]
    if stem.lower() in INDEX_NAMES and folders:
        return folders[:-1], folders[-1]
    return folders, stem


def _words(text: str) -> list[str]:
    return [w.upper() for w in _WORD.findall(anyascii(text).replace("'", ""))]


def _candidates(prefix: str, key: str) -> list[str]:
    folders, name = page_name(key)
    words = _words(name)
    significant = [w for w in words if w.lower() not in _STOP] or words
    forms = []
    if significant:
        forms.append(significant[:MAX_WORDS])
        forms.append(significant)
        forms.append(words)
        folder_words = [w for folder in folders for w in _words(folder)]
        if folder_words:
            forms.append(folder_words + words)
    ids = [f"{prefix}-{'-'.join(form)}" for form in forms]
    ids.append(f"{prefix}-{'-'.join([*words[:3], short_hash(key)])}")
    return list(dict.fromkeys(ids))


def assign_ids(
    prefix: str, keys: Iterable[str], taken: set[str], kept: dict[str, str]
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """An id for every key: ``kept`` ids (from an earlier import) stay; the rest avoid ``taken``.

    All keys that want the same id move on to their next form together, so which key comes
    first never decides who keeps the short one. Also returns the short ids that several keys
    wanted (or that the KB already had), with the keys that wanted them."""
    result = dict(kept)
    clashes: dict[str, list[str]] = {}
    used = set(taken) | set(kept.values())
    pending = {key: _candidates(prefix, key) for key in keys if key not in kept}
    level = dict.fromkeys(pending, 0)
    while pending:
        wanted: dict[str, list[str]] = defaultdict(list)
        for key in pending:
            options = pending[key]
            wanted[options[min(level[key], len(options) - 1)]].append(key)
        for candidate, claimants in sorted(wanted.items()):
            last = all(level[k] >= len(pending[k]) - 1 for k in claimants)
            if (len(claimants) == 1 or last) and candidate not in used:
                for index, key in enumerate(sorted(claimants)):
                    final = candidate if index == 0 else f"{candidate}-{index + 1}"
                    result[key] = final
                    used.add(final)
                    del pending[key]
            else:
                if all(level[k] == 0 for k in claimants):
                    clashes[candidate] = sorted(claimants)
                for key in claimants:
                    level[key] += 1
                    if level[key] >= len(pending[key]):
                        pending[key].append(f"{prefix}-{short_hash(key, 8)}")
    return result, clashes


def output_paths(keys: Iterable[str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """A tidy relative file name per key: lower-case words, index pages as ``index.md``;
    also the names several keys wanted (``A B.md`` and ``a-b.md``), with those keys."""
    wanted: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        wanted[_slug_path(key)].append(key)
    result: dict[str, str] = {}
    clashes: dict[str, list[str]] = {}
    for path, claimants in wanted.items():
        if len(claimants) == 1:
            result[claimants[0]] = path
            continue
        clashes[path] = sorted(claimants)
        for key in claimants:  # `A B.md` and `a-b.md`: both get a suffix from their own path
            stem, _ = posixpath.splitext(path)
            result[key] = f"{stem}-{short_hash(key, 4).lower()}.md"
    return result, clashes


def _slug_path(key: str) -> str:
    parts = key.split("/")
    stem = parts[-1].rsplit(".", 1)[0]
    folders = [slugify(p) or short_hash(p, 4).lower() for p in parts[:-1]]
    name = (
        "index" if stem.lower() in INDEX_NAMES else (slugify(stem) or short_hash(stem, 4).lower())
    )
    return posixpath.join(*folders, f"{name}.md") if folders else f"{name}.md"


def translated_name(path: str, lang: str, default: str) -> str:
    """``a/b.md`` for the default language, ``a/b.it.md`` for a translation."""
    return path if lang == default else f"{path[:-3]}.{lang}.md"
