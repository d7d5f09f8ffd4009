"""What the owners' preview adds to pages: the problems ``kb check`` finds, where they are.

A page with problems shows them at its top (line, code, message, hint), as an owner would read
them in the terminal; the home page counts them all and lists them by file. Only the preview
(``mkdocs serve``) shows them: a built site is never made from a KB with errors.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from kbsite.problems import Problem
from kbsite.sites.text import html_text
from kbsite.sites.translations import Labels


def problems_html(problems: Iterable[Problem], labels: Labels, summary: bool = False) -> str:
    """A box listing ``problems`` (``summary``: all of the KB's, grouped by file)."""
    problems = list(problems)
    errors = sum(1 for p in problems if p.is_error)
    warnings = len(problems) - errors
    kind = "danger" if errors else "warning"
    title = labels("preview.problems", errors=errors, warnings=warnings)
    by_file: dict[str, list[Problem]] = defaultdict(list)
    for problem in problems:
        by_file[problem.file].append(problem)
    items = []
    for file, found in sorted(by_file.items()):
        for problem in found:
            where = (
                f"{file}:{problem.line}" if summary else f"{labels('preview.line')} {problem.line}"
            )
            hint = f" <em>({html_text(problem.hint)})</em>" if problem.hint else ""
            items.append(
                f'<li data-kb-problem="{html_text(problem.code)}" '
                f'data-kb-severity="{problem.severity}"><code>{html_text(where)}</code> '
                f"<strong>{problem.severity} {html_text(problem.code)}</strong>: "
                f"{html_text(problem.message)}{hint}</li>"
            )
    return (
        f'<div class="admonition {kind} kb-problems" data-kb-problems="{len(problems)}">'
        f'<p class="admonition-title">{html_text(title)}</p><ul>{"".join(items)}</ul></div>'
    )
