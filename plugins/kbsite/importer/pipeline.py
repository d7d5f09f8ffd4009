"""Plan and run one import: read SRC, name and convert every page, rewrite links, write DEST."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kbsite.dates import DurationError, parse_duration
from kbsite.importer import fields as foreign
from kbsite.importer.links import LinkMap, rewrite
from kbsite.importer.markup import Context, Lines, convert
from kbsite.importer.naming import (
    DEFAULT_PREFIX,
    ID_PREFIX,
    assign_ids,
    output_paths,
    page_name,
    translated_name,
)
from kbsite.importer.report import Event, PageRecord, Report
from kbsite.importer.sources import SourcePage, SourceTree, discover
from kbsite.importer.writer import (
    Manifest,
    existing_fields,
    merge,
    plain_record,
    render,
    write_tree,
)
from kbsite.markdown.cache import ModelCache
from kbsite.markdown.slugs import slugify
from kbsite.project import Project
from kbsite.reading.content import read_content
from kbsite.reading.owners import load_owners
from kbsite.reading.schema import did_you_mean

PAGE_TYPES = ("article", "policy", "procedure")
_H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$")
_INCLUDES = re.compile(
    r"\[!INCLUDE\s*\[[^\]]*\]\(([^)]+)\)\]|\{%-?\s*include_relative\s+(?:\"|')?([^\s%\"']+)", re.I
)
_DEFINE = re.compile(r"^([\w.-]+)=(.*)$", re.S)


class ImportUsageError(ValueError):
    """Options that cannot work (exit 2): an unknown owner, a bad prefix, a missing SRC."""


@dataclass(slots=True)
class ImportOptions:
    src: Path
    dest: Path
    today: dt.date
    page_type: str | None = None
    owner: str | None = None
    escalate_to: str | None = None
    response_time: str | None = None
    audience: str | None = None
    lang: str | None = None
    id_prefix: str | None = None
    dry_run: bool = False
    overwrite: bool = False
    defines: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Planned:
    source: SourcePage
    key: str
    lang: str
    lead: bool  # the page translations hang off (default language, else the first one)
    path: str = ""  # project-relative new path
    lines: Lines = field(default_factory=list)
    title: str = ""


def run_import(
    project: Project, options: ImportOptions, progress: Callable[[int], None] | None = None
) -> Report:
    return _Import(project, options, progress).run()


class _Import:
    def __init__(
        self, project: Project, options: ImportOptions, progress: Callable[[int], None] | None
    ) -> None:
        self.project = project
        self.options = options
        self.settings = project.settings
        self.progress = progress or (lambda _n: None)
        self.src = options.src.resolve()
        self.dest = options.dest.resolve()
        self.dest_rel = project.rel(self.dest)
        self.report = Report(str(options.src), self.dest_rel, options.dry_run)
        self.undated: list[str] = []
        self._old: dict[str, dict[str, Any] | None] = {}

    # -- the steps ---------------------------------------------------------------------------

    def run(self) -> Report:
        self._check_options()
        if not self._check_places():
            return self.report
        tree = discover(self.src, self.settings.languages, self.report)
        if not tree.pages:
            others = f" ({len(tree.files)} other files)" if tree.files else ""
            self.report.error(
                ".", 0, "empty", f"no Markdown files under {self.options.src}{others}"
            )
            return self.report
        tree.pages = self._without_fragments(tree.pages)
        manifest = Manifest.read(self.dest) or Manifest()
        planned = self._plan(tree.pages)
        if not self._check_dest(planned, manifest):
            return self.report
        ids = self._ids(planned, manifest)
        self._convert(planned)
        copied = self._links(planned, tree)
        files = self._render(planned, ids, manifest)
        for rel in sorted(tree.files - set(copied)):
            self.report.skipped.append(Event(rel, 0, "not-markdown", "not Markdown: not imported"))
        for source, new in sorted(copied.items()):
            files[self._in_dest(new)] = self.src / source
            self.report.assets.append(new)
        self._duplicate_titles(planned)
        if self.undated:
            self.report.warn(
                self.undated[0],
                1,
                "dates-assumed",
                f"{len(self.undated)} page(s) have no date in the source (this one and "
                f"{len(self.undated) - 1} more): `effective`/`last_reviewed` set to the import "
                f"day ({self.options.today}); confirm them at each page's first review",
            )
        if self.report.ok and not self.options.dry_run:
            manifest.source = str(self.src)
            write_tree(self.dest, files, manifest)
        return self.report

    def _check_options(self) -> None:
        options = self.options
        if not options.src.is_dir():
            raise ImportUsageError(f"SRC `{options.src}` is not a folder")
        if options.page_type not in (None, *PAGE_TYPES):
            raise ImportUsageError(f"--type must be one of {', '.join(PAGE_TYPES)}")
        if options.lang and options.lang not in self.settings.languages:
            known = ", ".join(self.settings.languages)
            raise ImportUsageError(
                f"--lang `{options.lang}` is not configured (configured: {known})"
            )
        if options.id_prefix and not ID_PREFIX.match(options.id_prefix.upper()):
            raise ImportUsageError(
                f"--id-prefix `{options.id_prefix}`: use capital letters, digits and dashes, "
                "starting with a letter (e.g. HC or HELP-CENTER)"
            )
        owners, _ = load_owners(
            self.project.root / self.settings.owners_file, self.settings.owners_file
        )
        for flag, key in (("--owner", options.owner), ("--escalate-to", options.escalate_to)):
            if key and key not in owners:
                hint = did_you_mean(key, sorted(owners)) or (
                    f"known: {', '.join(sorted(owners))}" if owners else "owners.yml has none"
                )
                raise ImportUsageError(f"{flag} `{key}` is not in owners.yml ({hint})")
        if options.response_time:
            try:
                parse_duration(options.response_time)
            except DurationError as exc:
                raise ImportUsageError(f"--response-time: {exc} (e.g. 4h, 2d)") from None
        self.defaults = self._folder_defaults()
        self.page_type = options.page_type or self.defaults.get("type") or self._folder_type()
        if self.page_type != "article" and not (options.owner or self.defaults.get("owner")):
            raise ImportUsageError(
                f"a {self.page_type} needs an owner: pass --owner KEY "
                f"(one of: {', '.join(sorted(owners)) or 'none yet, add one to owners.yml'})"
            )
        if self.page_type == "procedure":
            for flag, name in (
                ("--escalate-to", "escalate_to"),
                ("--response-time", "response_time"),
            ):
                if not (getattr(options, name) or self.defaults.get(name)):
                    raise ImportUsageError(
                        f"a procedure needs `{name}`: pass {flag} (or set it in DEST's .meta.yml)"
                    )
        self.variables = self._variables()

    def _check_places(self) -> bool:
        src, dest = self.src, self.dest
        if dest == src or src in dest.parents:
            self.report.error(
                self.dest_rel,
                0,
                "dest-inside-src",
                "DEST is inside SRC: a second import would import its own output; "
                "choose a DEST outside SRC",
            )
        elif dest in src.parents:
            self.report.error(
                self.dest_rel,
                0,
                "src-inside-dest",
                "SRC is inside DEST: writing DEST would replace the files being imported",
            )
        elif dest.exists() and not dest.is_dir():
            self.report.error(
                self.dest_rel, 0, "dest-not-folder", "DEST exists and is not a folder"
            )
        if self.project.root not in (dest, *dest.parents):
            self.report.error(
                self.dest_rel,
                0,
                "dest-outside-project",
                f"DEST must be inside the KB project ({self.project.root})",
            )
        elif self.dest_rel.split("/")[0] not in self.settings.content_dirs:
            self.report.warn(
                self.dest_rel,
                0,
                "dest-not-content",
                f"DEST is outside the content folders ({', '.join(self.settings.content_dirs)}): "
                "the sites will not show these pages",
            )
        return self.report.ok

    def _plan(self, pages: list[SourcePage]) -> list[_Planned]:
        default = self.settings.default_language
        planned: list[_Planned] = []
        seen: set[tuple[str, str]] = set()
        for page in pages:
            lang = self.options.lang or self._field_lang(page) or page.lang or default
            key = page.key
            if (key, lang) in seen:
                self.report.warn(
                    page.rel,
                    1,
                    "same-page",
                    f"another file is already `{key}` in `{lang}`; imported as a page of its own",
                )
                key = page.rel
            seen.add((key, lang))
            planned.append(_Planned(page, key, lang, lead=False))
        groups: dict[str, list[_Planned]] = defaultdict(list)
        for item in planned:
            groups[item.key].append(item)
        # Hugo keeps pages under `content/`: a folder every page shares adds nothing to paths.
        common = posixpath.commonpath(list(groups)) if len(groups) > 1 else ""
        common = common if common and common not in groups else ""
        cut = len(common) + 1 if common else 0
        paths, clashes = output_paths([k[cut:] for k in groups])
        self.paths = {k: paths[k[cut:]] for k in groups}
        clashes = {p: [common + "/" + k if common else k for k in ks] for p, ks in clashes.items()}
        for path, keys in sorted(clashes.items()):
            names = ", ".join(f"`{self.paths[k]}`" for k in keys)
            self.report.warn(
                groups[keys[0]][0].source.rel,
                1,
                "same-file-name",
                f"{' and '.join(groups[k][0].source.rel for k in keys)} would all be written as "
                f"`{path}`; written as {names}",
            )
        for key, members in groups.items():
            lead = next((m for m in members if m.lang == default), None) or min(
                members, key=lambda m: m.lang
            )
            lead.lead = True
            base = posixpath.join(self.dest_rel, self.paths[key])
            for member in members:
                member.path = base if member.lead else translated_name(base, member.lang, default)
        return planned

    def _without_fragments(self, pages: list[SourcePage]) -> list[SourcePage]:
        """Files other pages include (DocFX ``[!INCLUDE]``, ``include_relative``) are parts
        of those pages, not pages of their own."""
        included: dict[str, str] = {}
        for page in pages:
            if "INCLUDE" not in page.body and "include_relative" not in page.body:
                continue
            for groups in _INCLUDES.findall(page.body):
                target = next(g for g in groups if g)
                path = posixpath.normpath(posixpath.join(posixpath.dirname(page.rel), target))
                included.setdefault(path, page.rel)
        for page in pages:
            if page.rel in included:
                self.report.skipped.append(
                    Event(page.rel, 0, "include", f"included by {included[page.rel]}")
                )
        return [p for p in pages if p.rel not in included]

    def _check_dest(self, planned: list[_Planned], manifest: Manifest) -> bool:
        if not self.dest.is_dir():
            return True
        existing = sorted(p for p in self.dest.rglob("*.md") if p.is_file())
        ours = set(manifest.pages)
        foreign_pages = [p for p in existing if self._in_dest_of(p) not in ours]
        if not foreign_pages or self.options.overwrite:
            return True
        targets = {self._in_dest(p.path) for p in planned}
        clashing = [p for p in foreign_pages if self._in_dest_of(p) in targets]
        if not manifest.pages:
            example = self.project.rel(foreign_pages[0])
            self.report.error(
                self.dest_rel,
                0,
                "dest-not-empty",
                f"DEST already holds {len(foreign_pages)} page(s) that kb import did not write "
                f"(e.g. {example}); import into a new folder, or pass --overwrite to replace "
                "pages of the same name",
            )
        for path in clashing if manifest.pages else []:
            self.report.error(
                self.project.rel(path),
                0,
                "dest-page-exists",
                "a page not written by kb import has this name; rename it or pass --overwrite",
            )
        return self.report.ok

    def _ids(self, planned: list[_Planned], manifest: Manifest) -> dict[str, str]:
        kept: dict[str, str] = {}
        for item in planned:
            if item.lead:
                record = manifest.pages.get(self._in_dest(item.path))
                old = self._existing(item.path) if record else None
                if old and isinstance(old.get("id"), str):
                    kept[item.key] = old["id"]
        taken = self._taken_ids()
        prefix = (self.options.id_prefix or DEFAULT_PREFIX[self.page_type]).upper()
        ids, clashes = assign_ids(prefix, sorted({p.key for p in planned}), taken, kept)
        sources = {p.key: p.source.rel for p in planned}
        for short, keys in sorted(clashes.items()):
            given = ", ".join(f"{sources[k]} → {ids[k]}" for k in keys)
            why = "is already used in the KB" if short in taken else "fits more than one page"
            self.report.warn(sources[keys[0]], 1, "same-id", f"id `{short}` {why}; given: {given}")
        return ids

    def _convert(self, planned: list[_Planned]) -> None:
        context = Context(self.src, self.variables, self._include_dirs())
        for count, item in enumerate(planned, 1):
            page = item.source
            item.lines = convert(
                page.rel, page.body, page.body_line, page.fields, context, self.report
            )
            item.title = self._title(item)
            if count % 25 == 0:
                self.progress(25)
        self.progress(len(planned) % 25)

    def _links(self, planned: list[_Planned], tree: SourceTree) -> dict[str, str]:
        others = tree.files
        by_source = {p.source.rel: p.path for p in planned}
        by_id: dict[str, str] = {}
        for item in planned:
            _, value = foreign.first(item.source.fields, foreign.FOREIGN_ID)
            if value is not None and (item.lead or str(value) not in by_id):
                by_id[str(value)] = item.path
        models = ModelCache(self.project.markdown, None)
        outlines = models.outlines("\n".join(t for _, t in p.lines) for p in planned)
        anchors = {p.path: o.anchors for p, o in zip(planned, outlines, strict=True)}
        by_key: dict[str, dict[str, str]] = defaultdict(dict)
        for item in sorted(planned, key=lambda p: not p.lead):
            by_key[item.source.key][item.lang] = item.path
        link_map = LinkMap(
            by_source, by_id, anchors, others, self._asset_path, tree.key_of, dict(by_key)
        )
        for item in planned:
            item.lines = rewrite(
                item.source.rel, item.path, item.lang, item.lines, link_map, self.report, models
            )
        return link_map.copied

    def _render(
        self, planned: list[_Planned], ids: dict[str, str], manifest: Manifest
    ) -> dict[str, bytes | Path]:
        files: dict[str, bytes | Path] = {}
        for item in planned:
            new = self._fields(item, ids[item.key])
            rel = self._in_dest(item.path)
            record = manifest.pages.get(rel)
            target = self.project.root / item.path
            old = self._existing(item.path)
            if old is not None and not self.options.overwrite:
                new = merge(new, old, (record or {}).get("fields"))
            elif old is not None and isinstance(old.get("id"), str):
                new["id"] = old["id"]
            body = "\n".join(t for _, t in item.lines).strip("\n")
            text = render(new, body).encode("utf-8")
            action = "created"
            if target.is_file():
                action = "unchanged" if target.read_bytes() == text else "updated"
            files[rel] = text
            manifest.pages[rel] = {"source": item.source.rel, "fields": plain_record(new)}
            self.report.pages.append(
                PageRecord(
                    item.source.rel, item.path, str(new["id"]), item.title, item.lang, action
                )
            )
        return files

    # -- one page --------------------------------------------------------------------------

    def _fields(self, item: _Planned, page_id: str) -> dict[str, Any]:
        page, report, today = item.source, self.report, self.options.today
        raw = page.fields
        mapped = report.fields_mapped
        result: dict[str, Any] = {"id": page_id, "title": item.title}
        if self.page_type != self._folder_type():
            result["type"] = self.page_type
        if item.lead and item.lang != self.settings.default_language:
            result["lang"] = item.lang
        for name in ("owner", "escalate_to", "response_time"):
            if getattr(self.options, name):
                result[name] = getattr(self.options, name)
        if "audience" not in self.defaults or self.options.audience:
            result["audience"] = self.options.audience or "internal"
        if foreign.is_draft(raw):
            result["status"] = "draft"
            mapped["draft→status"] += 1

        def date_of(names: tuple[str, ...], ours: str) -> dt.date | None:
            for name in names:
                if raw.get(name) in (None, "") or isinstance(raw.get(name), bool):
                    continue
                day = foreign.as_date(raw[name], today)
                if day is None:
                    report.warn(
                        page.rel, 1, "date", f"`{name}: {raw[name]}` is not a date; dropped"
                    )
                    continue
                if day > today and ours != "expires":
                    report.warn(
                        page.rel,
                        1,
                        "date",
                        f"`{name}` {day} is in the future; `{ours}` set to today ({today})",
                    )
                    day = today
                mapped[f"{name}→{ours}"] += 1
                return day
            return None

        reviewed = date_of(foreign.REVIEWED, "last_reviewed")
        if self.page_type != "article":
            effective = date_of(foreign.EFFECTIVE, "effective") or reviewed
            if effective is None or reviewed is None:
                self.undated.append(page.rel)
            result["effective"] = effective or today
            expires = date_of(foreign.EXPIRES, "expires")
            if expires and expires > result["effective"]:
                result["expires"] = expires
            reviewed = reviewed or today
            if reviewed < result["effective"]:
                reviewed = result["effective"]
        if reviewed is not None:
            result["last_reviewed"] = reviewed
        name, value = foreign.first(raw, foreign.DESCRIPTION)
        text = foreign.as_text(value)
        if name and text:
            result["description"] = text
            mapped[f"{name}→description" if name != "description" else "description"] += 1
        for names, ours in ((foreign.PRODUCTS, "products"), (foreign.TAGS, "tags")):
            values: list[str] = []
            for name in names:
                if raw.get(name) not in (None, "", []):
                    values += foreign.as_list(raw[name])
                    mapped[f"{name}→{ours}" if name != ours else ours] += 1
            if values:
                result[ours] = list(dict.fromkeys(values))
        for key in raw:
            if key not in foreign.KNOWN:
                report.fields_dropped[key].append(page.rel)
        return result

    def _title(self, item: _Planned) -> str:
        page = item.source
        name, value = foreign.first(page.fields, foreign.TITLE)
        title = foreign.as_text(value)
        if title:
            self.report.fields_mapped[f"{name}→title" if name != "title" else "title"] += 1
            return title
        for _, text in item.lines:
            match = _H1.match(text)
            if match:
                return match.group(1).strip()
        _, stem = page_name(item.key)
        words = re.sub(r"[-_]+", " ", stem).strip()
        self.report.warn(
            page.rel, 1, "title", f"no title or heading: titled `{words}` from the file name"
        )
        return words[:1].upper() + words[1:] if words else page.rel

    def _field_lang(self, page: SourcePage) -> str | None:
        name, value = foreign.first(page.fields, foreign.LANG)
        if not isinstance(value, str):
            return None
        code = value.strip().lower().replace("_", "-").split("-")[0]
        if code in self.settings.languages:
            self.report.fields_mapped[f"{name}→lang" if name != "lang" else "lang"] += 1
            return code
        self.report.warn(
            page.rel,
            1,
            "lang",
            f"`{name}: {value}` is not a configured language; "
            "the page is imported in the language of its path",
        )
        return None

    def _duplicate_titles(self, planned: list[_Planned]) -> None:
        by_title: dict[tuple[str, str], list[_Planned]] = defaultdict(list)
        for item in planned:
            by_title[(item.lang, item.title.casefold())].append(item)
        for (_, _), items in sorted(by_title.items()):
            if len(items) > 1:
                others = ", ".join(i.source.rel for i in items[1:])
                first = items[0].source.rel
                self.report.warn(
                    first,
                    1,
                    "duplicate-title",
                    f"title `{items[0].title}` is also used by {others}; readers "
                    "will see two pages with one name",
                )

    # -- helpers ---------------------------------------------------------------------------

    def _asset_path(self, source: str) -> str:
        folders, _, name = source.rpartition("/")
        stem, dot, ext = name.rpartition(".")
        slug_name = f"{slugify(stem) or 'file'}{dot}{ext.lower()}" if dot else slugify(name)
        parts = [slugify(p) or "folder" for p in folders.split("/") if p] if folders else []
        return posixpath.join(self.dest_rel, *parts, slug_name)

    def _existing(self, project_path: str) -> dict[str, Any] | None:
        """Front matter of the page already at this path (read once per run), or None."""
        if project_path not in self._old:
            target = self.project.root / project_path
            self._old[project_path] = existing_fields(target) if target.is_file() else None
        return self._old[project_path]

    def _in_dest(self, project_path: str) -> str:
        return posixpath.relpath(project_path, self.dest_rel)

    def _in_dest_of(self, path: Path) -> str:
        return path.relative_to(self.dest).as_posix()

    def _folder_type(self) -> str:
        return self.settings.type_for_folder(self.dest_rel.split("/")[0])

    def _folder_defaults(self) -> dict[str, Any]:
        """``.meta.yml`` keys that apply to DEST (nearest folder wins)."""
        result: dict[str, Any] = {}
        folder = self.options.dest.resolve()
        chain = [folder, *folder.parents]
        for directory in reversed(chain):
            if self.project.root not in (directory, *directory.parents):
                continue
            meta = directory / ".meta.yml"
            if meta.is_file():
                try:
                    data = yaml.safe_load(meta.read_text(encoding="utf-8"))
                except (OSError, yaml.YAMLError, UnicodeDecodeError):
                    continue
                if isinstance(data, dict):
                    result.update(data)
        return result

    def _variables(self) -> dict[str, Any]:
        """``site.*`` from a Jekyll ``_config.yml`` in SRC (or a parent), then ``--define``."""
        variables: dict[str, Any] = {}
        for folder in (self.src, *list(self.src.parents)[:2]):
            config = folder / "_config.yml"
            if config.is_file():
                try:
                    data = yaml.safe_load(config.read_text(encoding="utf-8"))
                except (OSError, yaml.YAMLError, UnicodeDecodeError):
                    data = None
                if isinstance(data, dict):
                    variables.update(_flatten("site", data))
                break
        for define in self.options.defines:
            match = _DEFINE.match(define)
            if not match:
                raise ImportUsageError(f"--define `{define}`: write NAME=VALUE")
            variables[match.group(1)] = match.group(2)
        return variables

    def _include_dirs(self) -> tuple[Path, ...]:
        return tuple(
            folder / "_includes"
            for folder in (self.src, *list(self.src.parents)[:2])
            if (folder / "_includes").is_dir()
        )

    def _taken_ids(self) -> set[str]:
        """Ids of pages already in the KB outside DEST (an import must not reuse them)."""
        pages = read_content(self.project, self.options.today).pages  # ids only: no checks
        prefix = self.dest_rel.rstrip("/") + "/"
        return {
            p.meta.id for p in pages if p.parsed and p.meta.id and not p.path.startswith(prefix)
        }


def _flatten(prefix: str, data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}.{key}"
        if isinstance(value, dict):
            out.update(_flatten(name, value))
        else:
            out[name] = value
    return out
