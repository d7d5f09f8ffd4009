"""Write an import: front matter, the merge with an earlier import, and the all-or-nothing move.

DEST gets a manifest (``.kb-import.json``: which source each page came from and the fields the
import wrote). On a re-run, a field whose value differs from what the import wrote last time
was edited by the page's owner and is kept (unless ``--overwrite``); the id always stays.
Everything is written to a temporary folder beside DEST, which then replaces DEST.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kbsite.reading.frontmatter import split
from kbsite.reading.schema import FIELDS
from kbsite.reading.yamlload import YamlProblem, load_mapping

MANIFEST = ".kb-import.json"
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# Front matter in the order of SPEC §3's table.
FIELD_ORDER = FIELDS


@dataclass(slots=True)
class Manifest:
    source: str = ""
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)  # DEST-relative file → record

    @classmethod
    def read(cls, dest: Path) -> Manifest | None:
        path = dest / MANIFEST
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(str(data.get("source", "")), dict(data.get("pages", {})))
        except (OSError, ValueError, AttributeError):
            return None

    def text(self) -> str:
        data = {"version": 1, "source": self.source, "pages": dict(sorted(self.pages.items()))}
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def existing_fields(path: Path) -> dict[str, Any] | None:
    """The front matter of a page already in DEST (None when it cannot be read)."""
    try:
        yaml_text, first, _, _ = split(path.read_text(encoding="utf-8-sig"))
        return load_mapping(yaml_text, first).data
    except (OSError, ValueError, YamlProblem, UnicodeDecodeError):
        return None


def merge(
    new: dict[str, Any], old: dict[str, Any] | None, written: dict[str, Any] | None
) -> dict[str, Any]:
    """Keep what the owner changed since the last import: fields whose value is not what the
    import wrote then, and fields the owner added. The id never changes."""
    if not old:
        return new
    written = written or {}
    merged = dict(new)
    for name, value in old.items():
        edited = name not in written or _plain(written[name]) != _plain(value)
        if name == "id" or (edited and name not in ("title", "description")):
            merged[name] = value
    return merged


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def render(fields: dict[str, Any], body: str) -> str:
    ordered = {k: fields[k] for k in FIELD_ORDER if k in fields}
    ordered.update({k: v for k, v in fields.items() if k not in ordered})
    lines = ["---"]
    for name, value in ordered.items():
        if isinstance(value, str) and _ISO_DAY.fullmatch(value):
            value = dt.date.fromisoformat(value)  # written as a date, not a quoted string
        if isinstance(value, dt.date):
            lines.append(f"{name}: {value.isoformat()}")
            continue
        dumped = yaml.safe_dump(
            {name: _plain(value)},
            allow_unicode=True,
            default_flow_style=None if isinstance(value, list) else False,
            sort_keys=False,
            width=10_000,
        )
        lines.append(dumped.rstrip("\n"))
    lines.append("---")
    return "\n".join(lines) + "\n" + body.rstrip("\n") + "\n"


def plain_record(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in fields.items()}


def write_tree(dest: Path, files: dict[str, bytes | Path], manifest: Manifest) -> None:
    """Replace DEST by its current content plus ``files`` (DEST-relative path → bytes, or a
    source file to copy), all written in a temporary folder first."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.import-", dir=dest.parent))
    old = dest.parent / f".{dest.name}.import-old-{os.getpid()}"
    try:
        work = staging / "tree"
        if dest.exists():
            shutil.copytree(dest, work, symlinks=True)
        else:
            work.mkdir()
        for rel, content in files.items():
            target = work / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Path):
                shutil.copyfile(content, target)
            else:
                target.write_bytes(content)
        (work / MANIFEST).write_text(manifest.text(), encoding="utf-8")
        if dest.exists():
            dest.rename(old)
        work.rename(dest)
    except BaseException:
        if old.exists() and not dest.exists():
            old.rename(dest)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
