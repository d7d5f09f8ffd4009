"""The Markdown dialect of a project: the extensions and options its ``mkdocs.yml`` gives.

MkDocs renders every page with ``markdown_extensions`` plus its built-ins (``toc``, ``tables``,
``fenced_code``); the page model parses with exactly the same list, so headings, anchors and
links agree with the built site by construction. Nothing here imports MkDocs.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when a converter is made: `kb build` with nothing to do skips it
    import markdown

#: What MkDocs always adds in front of the configured extensions.
BUILTINS = ("toc", "tables", "fenced_code")
#: Packages whose versions change how a page renders (part of every cache key).
_RENDERING_PACKAGES = ("markdown", "pymdown-extensions", "pygments", "kbsite")


class MarkdownConfigError(ValueError):
    """``markdown_extensions`` in mkdocs.yml cannot be used."""


@dataclass(frozen=True)
class MarkdownConfig:
    extensions: tuple[str, ...] = BUILTINS
    configs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def new(self, extra: list[markdown.Extension] | None = None) -> markdown.Markdown:
        """A Markdown converter for this dialect (plus ``extra`` extensions of ours)."""
        import markdown

        try:
            return markdown.Markdown(
                extensions=[*self.extensions, *(extra or [])],
                extension_configs={k: dict(v) for k, v in self.configs.items()},
            )
        except Exception as exc:  # an extension that will not load: a config problem
            raise MarkdownConfigError(f"markdown_extensions: {exc}") from None

    @functools.cached_property
    def digest(self) -> str:
        """Changes whenever the rendering of some page could: extensions, options, versions."""
        return _digest(repr(self.extensions), _stable(self.configs))


@functools.cache
def _digest(extensions: str, configs: str) -> str:
    """The dialect's digest, worked out once per process (package versions are read from
    their metadata, which is slow)."""
    import importlib.metadata

    parts = [extensions, configs, _model_source()]
    for package in _RENDERING_PACKAGES:
        try:
            parts.append(f"{package}={importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            parts.append(f"{package}=-")
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=12).hexdigest()


@functools.cache
def _model_source() -> str:
    """A digest of the code that reads bodies: a change to it is a change to every model."""
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _stable(value: Any) -> str:
    """A repr that names functions by module and name (their ids change every run)."""
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{k!r}:{_stable(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_stable(v) for v in value) + "]"
    if callable(value):
        return f"{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', '?')}"
    return repr(value)


def markdown_config(raw: Mapping[str, Any]) -> MarkdownConfig:
    """Read ``markdown_extensions`` as MkDocs does (a list of names or ``{name: options}``)."""
    value = raw.get("markdown_extensions") or []
    names: list[str] = []
    configs: dict[str, dict[str, Any]] = {}
    items = list(value.items()) if isinstance(value, dict) else value
    if not isinstance(items, list):
        raise MarkdownConfigError("markdown_extensions must be a list")
    for item in items:
        if isinstance(item, tuple):
            name, options = item
        elif isinstance(item, dict) and len(item) == 1:
            name, options = next(iter(item.items()))
        elif isinstance(item, str):
            name, options = item, None
        else:
            raise MarkdownConfigError(f"markdown_extensions: `{item}` is not an extension name")
        if options and not isinstance(options, dict):
            raise MarkdownConfigError(f"markdown_extensions: options of `{name}` must be a mapping")
        names.append(str(name))
        if options:
            configs[str(name)] = dict(options)
    return MarkdownConfig(tuple(dict.fromkeys([*BUILTINS, *names])), configs)
