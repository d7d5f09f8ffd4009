"""``policies/owners.yml``: owner keys and the people or teams behind them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kbsite.problems import Problem
from kbsite.reading.encoding import EncodingProblem, decode
from kbsite.reading.yamlload import YamlProblem, load_mapping


@dataclass(frozen=True, slots=True)
class Owner:
    key: str
    name: str
    email: str | None = None

    def contact(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name


def load_owners(path: Path, rel: str) -> tuple[dict[str, Owner], list[Problem]]:
    """Read the owners file; problems point at its lines. A missing file means no owners."""
    if not path.is_file():
        return {}, []
    try:
        fields = load_mapping(decode(path.read_bytes()), 1, what="owners file")
    except (YamlProblem, EncodingProblem) as exc:
        code = "encoding" if isinstance(exc, EncodingProblem) else "front-matter-yaml"
        return {}, [Problem(code, rel, exc.line, exc.message, None, exc.hint)]
    except OSError as exc:
        return {}, [Problem("file-unreadable", rel, 1, f"cannot read the owners file: {exc}")]
    owners: dict[str, Owner] = {}
    problems: list[Problem] = []
    for key, value in fields.data.items():
        line = fields.lines[key]
        if isinstance(value, str):  # shorthand: `key: Team name`
            owners[key] = Owner(key, value)
        elif isinstance(value, dict) and value.get("name"):
            email = value.get("email")
            owners[key] = Owner(key, str(value["name"]), str(email) if email else None)
        else:
            problems.append(
                Problem(
                    "field-invalid",
                    rel,
                    line,
                    f"owner `{key}` needs a `name`",
                    key,
                    "give `name:` and `email:` under the key",
                )
            )
    return owners, problems
