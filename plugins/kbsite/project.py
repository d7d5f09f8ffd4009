"""Locate a KB project (the folder holding mkdocs.yml) and read its settings without MkDocs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kbsite.markdown.config import MarkdownConfig, MarkdownConfigError, markdown_config
from kbsite.reading.yamlload import YamlProblem, load_config_yaml
from kbsite.settings import Settings, SettingsError

CONFIG_NAMES = ("mkdocs.yml", "mkdocs.yaml")
#: What kb keeps between runs (page models, outputs, indexes of the help center), relative to
#: the project root; never published, safe to delete.
CACHE_DIR = ".kb/cache"


class ProjectError(Exception):
    """The project cannot be used: no mkdocs.yml, unreadable config, bad plugin options."""


@dataclass(frozen=True)
class Project:
    root: Path
    config_file: Path
    settings: Settings
    docs_dir: Path
    site_name: str = "Knowledge base"
    markdown: MarkdownConfig = field(default_factory=MarkdownConfig)
    #: Files of docs/ that the site itself uses (extra_css, extra_javascript, logo, favicon).
    site_assets: tuple[str, ...] = ()
    site_url: str = ""  # the published address of the default-language help center
    theme_name: str = "material"
    theme_dir: Path | None = None  # the theme's ``custom_dir``

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
        raw = load_config_yaml(config_file.read_text(encoding="utf-8-sig")) or {}
    except YamlProblem as exc:
        raise ProjectError(f"{config_file}:{exc.line}: {exc.message}") from None
    except Exception as exc:  # YAML, I/O or a Python name that will not import
        raise ProjectError(f"{config_file}: cannot read the config: {exc}") from None
    if not isinstance(raw, dict):
        raise ProjectError(f"{config_file}: the config must be a mapping")
    try:
        settings = Settings.from_options(plugin_options(raw))
    except (SettingsError, TypeError, AttributeError) as exc:
        raise ProjectError(f"{config_file}: plugin kb: {exc}") from None
    try:
        dialect = markdown_config(raw)
    except MarkdownConfigError as exc:
        raise ProjectError(f"{config_file}: {exc}") from None
    root = config_file.parent
    theme = raw.get("theme") if isinstance(raw.get("theme"), dict) else {}
    return Project(
        root=root,
        config_file=config_file,
        settings=settings,
        docs_dir=root / str(raw.get("docs_dir") or "docs"),
        site_name=str(raw.get("site_name") or "Knowledge base"),
        markdown=dialect,
        site_assets=_site_assets(raw),
        site_url=str(raw.get("site_url") or ""),
        theme_name=str(theme.get("name") or "material"),
        theme_dir=root / str(theme["custom_dir"]) if theme.get("custom_dir") else None,
    )


def _site_assets(raw: dict[str, Any]) -> tuple[str, ...]:
    """docs/ files named by the config, published with every site whatever pages use."""
    names: list[str] = []
    for key in ("extra_css", "extra_javascript"):
        for item in raw.get(key) or []:
            value = item.get("path") if isinstance(item, dict) else item
            if isinstance(value, str):
                names.append(value)
    theme = raw.get("theme") if isinstance(raw.get("theme"), dict) else {}
    for key in ("logo", "favicon"):
        if isinstance(theme.get(key), str):
            names.append(theme[key])
    return tuple(n for n in names if "://" not in n and not n.startswith("/"))


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
