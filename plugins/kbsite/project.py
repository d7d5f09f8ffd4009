"""Locate a KB project (the folder holding mkdocs.yml) and read its settings without MkDocs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kbsite.reading.yamlload import YamlProblem, load_lenient
from kbsite.settings import Settings, SettingsError

CONFIG_NAMES = ("mkdocs.yml", "mkdocs.yaml")


class ProjectError(Exception):
    """The project cannot be used: no mkdocs.yml, unreadable config, bad plugin options."""


@dataclass(frozen=True)
class Project:
    root: Path
    config_file: Path
    settings: Settings
    docs_dir: Path
    site_name: str = "Knowledge base"

    def rel(self, path: Path) -> str:
        """A path relative to the project root, with forward slashes (as problems report it)."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    @property
    def synonyms_file(self) -> Path:
        return self.root / "synonyms.yml"


def find_project(config_file: str | Path | None = None, cwd: Path | None = None) -> Project:
    """The project named by ``-f/--config-file``, else the one in the current directory."""
    cwd = cwd or Path.cwd()
    if config_file is not None:
        path = Path(config_file)
        path = path if path.is_absolute() else cwd / path
        if path.is_dir():
            path = _config_in(path) or path / CONFIG_NAMES[0]
        if not path.is_file():
            raise ProjectError(f"config file not found: {path}")
    else:
        found = _config_in(cwd)
        if found is None:
            raise ProjectError(
                f"no mkdocs.yml in {cwd}; run kb in the KB's folder or pass -f PATH/mkdocs.yml"
            )
        path = found
    return load_project(path.resolve())


def _config_in(folder: Path) -> Path | None:
    for name in CONFIG_NAMES:
        if (folder / name).is_file():
            return folder / name
    return None


def load_project(config_file: Path) -> Project:
    try:
        raw = load_lenient(config_file.read_text(encoding="utf-8-sig")) or {}
    except YamlProblem as exc:
        raise ProjectError(f"{config_file}:{exc.line}: {exc.message}") from None
    except Exception as exc:  # any YAML or I/O failure is a config problem for the user
        raise ProjectError(f"{config_file}: cannot read the config: {exc}") from None
    if not isinstance(raw, dict):
        raise ProjectError(f"{config_file}: the config must be a mapping")
    try:
        settings = Settings.from_options(plugin_options(raw))
    except (SettingsError, TypeError, AttributeError) as exc:
        raise ProjectError(f"{config_file}: plugin kb: {exc}") from None
    root = config_file.parent
    return Project(
        root=root,
        config_file=config_file,
        settings=settings,
        docs_dir=root / str(raw.get("docs_dir") or "docs"),
        site_name=str(raw.get("site_name") or "Knowledge base"),
    )


def plugin_options(raw: dict[str, Any]) -> dict[str, Any]:
    """The options given to ``kb`` in the ``plugins`` list (either YAML form MkDocs accepts)."""
    plugins = raw.get("plugins") or []
    items = plugins.items() if isinstance(plugins, dict) else _list_items(plugins)
    for name, options in items:
        if name == "kb":
            return dict(options or {})
    return {}


def _list_items(plugins: list[Any]) -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for entry in plugins:
        if isinstance(entry, str):
            items.append((entry, {}))
        elif isinstance(entry, dict):
            items.extend(entry.items())
    return items
