"""``synonyms.yml``: the KB's groups of equivalent terms per language, read by rep search and
by the help center's index (its own module: the latter does not import the search engine).
"""

from __future__ import annotations

import logging

import yaml

from kbsite.project import Project
from kbsite.reading.yamlload import YamlProblem, load_lenient
from kbsite.search.analysis import fold

log = logging.getLogger("kbsite.search")


def load_synonyms(project: Project) -> dict[str, list[list[str]]]:
    """``synonyms.yml``: per language, groups of equivalent terms (folded)."""
    path = project.synonyms_file
    if not path.is_file():
        return {}
    try:
        data = load_lenient(path.read_text(encoding="utf-8"), what="synonyms file") or {}
    except (YamlProblem, yaml.YAMLError, UnicodeDecodeError) as exc:
        # Search still works without synonyms; the file's owner gets its line and reason.
        if isinstance(exc, YamlProblem):
            line, reason = exc.line, exc.message
        elif isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
            line, reason = exc.problem_mark.line + 1, f"invalid YAML: {exc.problem}"
        else:
            line, reason = 1, f"cannot read it: {exc}"
        log.warning("%s:%d: %s; searching without synonyms", path.name, line, reason)
        return {}
    groups: dict[str, list[list[str]]] = {}
    for lang, entries in data.items() if isinstance(data, dict) else []:
        for group in entries or []:
            if isinstance(group, list):
                groups.setdefault(str(lang), []).append([fold(str(t)) for t in group])
    return groups
