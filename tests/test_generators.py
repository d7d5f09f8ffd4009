"""The owners' preview on both maintained generators: MkDocs 1.6 and its fork ProperDocs 1.6.

The sample KB (the repository's own mkdocs.yml, kb/, policies/, docs/) is built once with each
generator; the `kb` plugin and the Material theme run unchanged on both.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, TODAY, page
from test_plugin_build import GOOD, mkdocs_build

GENERATORS = ("mkdocs", "properdocs")
BIN = Path(sys.executable).parent
_GENERATOR_META = re.compile(r'<meta name="generator" content="[^"]*">')


@pytest.fixture(scope="module")
def sample_sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample KB built with `mkdocs build --strict` and `properdocs build --strict`."""
    sites = {}
    for generator in GENERATORS:
        site = tmp_path_factory.mktemp(generator) / "site"
        proc = mkdocs_build(REPO, "--strict", "-d", str(site), generator=generator)
        assert proc.returncode == 0, proc.stderr
        sites[generator] = site
    return sites


@pytest.mark.parametrize("generator", GENERATORS)
def test_sample_preview_builds_strict(sample_sites: dict[str, Path], generator: str) -> None:
    """Each generator builds the sample with the kb plugin: meta tags, banners, categories, internal pages."""
    site = sample_sites[generator]
    ran = {"mkdocs": "mkdocs-1.6.1", "properdocs": "mkdocs-ProperDocs 1.6.7"}[generator]
    home = (site / "index.html").read_text("utf-8")
    # the generator that ran, and the Material theme on both
    assert f'<meta name="generator" content="{ran}, mkdocs-material-9.8.1">' in home

    stale = (site / "policies/call-handling/index.html").read_text("utf-8")
    assert '<meta name="kb-id" content="POL-CALL-HANDLING">' in stale
    assert 'class="admonition warning kb-banner" data-kb-state="stale"' in stale
    expired = (site / "policies/hub-trade-in/index.html").read_text("utf-8")
    assert '<meta name="kb-id" content="POL-HUB-TRADE-IN">' in expired
    assert 'class="admonition danger kb-banner" data-kb-state="expired"' in expired

    category = (site / "policies/index.html").read_text("utf-8")
    for href, title in [
        ("refunds/", "Refunds and replacements"),
        ("call-handling/", "Call handling and approval limits"),
        ("escalation/", "Escalation"),
    ]:
        assert f'<a href="{href}">{title}</a>' in category

    internal = (site / "kb/hub/known-issues/index.html").read_text("utf-8")  # audience: internal
    assert '<meta name="kb-id" content="KB-HUB-KNOWN-ISSUES">' in internal
    assert (site / "policies/escalation/tiers/index.html").is_file()
    assert not (site / "kb/plug/outdoor-plug").exists()  # a draft: `serve` only


def test_both_generators_build_the_same_site(sample_sites: dict[str, Path]) -> None:
    """MkDocs and ProperDocs write the same files, byte for byte but the generator meta tag."""
    mkdocs, properdocs = sample_sites["mkdocs"], sample_sites["properdocs"]
    files = sorted(p.relative_to(mkdocs) for p in mkdocs.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(properdocs) for p in properdocs.rglob("*") if p.is_file())
    assert len(files) > 100
    different = []
    for rel in files:
        a, b = (mkdocs / rel).read_bytes(), (properdocs / rel).read_bytes()
        if rel.suffix == ".html":
            a, b = (_GENERATOR_META.sub("", x.decode("utf-8")).encode() for x in (a, b))
        if a != b:
            different.append(str(rel))
    assert different == []


def test_properdocs_loads_kb_from_its_group_on_its_own_modules() -> None:
    """Under ProperDocs the plugin comes from `properdocs.plugins` and its `mkdocs.*` imports are ProperDocs'."""
    code = """
import sys
import properdocs.replacement  # what the `properdocs` command imports first
import properdocs.plugins
from kbsite.mkdocs_plugin.plugin import KBPlugin
entry = properdocs.plugins.get_plugins()["kb"]
assert entry.group == "properdocs.plugins", entry.group
assert entry.load() is KBPlugin and issubclass(KBPlugin, properdocs.plugins.BasePlugin)
real = [n for n, m in sys.modules.items() if n.split(".")[0] == "mkdocs" and m is not None
        and not m.__name__.startswith("properdocs")]
assert real == [], real
print("ok")
"""
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_properdocs_fails_on_kb_errors_and_strict_warnings(make_project) -> None:
    """ProperDocs stops on content errors without a traceback, and --strict fails on a kb warning."""
    bad = mkdocs_build(FIXTURES / "bad_kb", generator="properdocs")
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr
    assert "kb check found 22 errors" in bad.stderr
    assert "policies/credits.md:6: date-invalid" in bad.stderr

    project = make_project(
        {**GOOD, "kb/x.md": page(id="KB-X", title="X", audience="public", colour="red")}
    )
    plain = mkdocs_build(project.root, generator="properdocs")
    assert plain.returncode == 0, plain.stderr
    assert "WARNING" in plain.stderr and "kb/x.md:5: field-unknown" in plain.stderr
    assert mkdocs_build(project.root, "--strict", generator="properdocs").returncode == 1


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except OSError:
        return 0, ""


def _wait_for(url: str, text: str, seconds: float) -> str:
    """The page at ``url`` once it contains ``text`` (polled, bounded in time)."""
    deadline = time.monotonic() + seconds
    body = ""
    while time.monotonic() < deadline:
        status, body = _get(url)
        if status == 200 and text in body:
            return body
        time.sleep(0.25)
    raise AssertionError(f"{url} did not show {text!r} within {seconds} s")


def test_properdocs_serve_previews_drafts_and_rebuilds_on_edit(tmp_path: Path) -> None:
    """`properdocs serve` shows drafts and rebuilds a policy page when its file changes."""
    root = tmp_path / "kb"
    for name in ("docs", "kb", "policies"):
        shutil.copytree(REPO / name, root / name)
    for name in ("mkdocs.yml", "synonyms.yml"):
        shutil.copy(REPO / name, root / name)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "KB_TODAY": TODAY, "NO_MKDOCS_2_WARNING": "1"}
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [str(BIN / "properdocs"), "serve", "-f", "mkdocs.yml", "-a", f"127.0.0.1:{port}"],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        draft = _wait_for(f"{base}/kb/plug/outdoor-plug/", "KB-PLUG-OUTDOOR", 60)
        assert '<meta name="kb-id" content="KB-PLUG-OUTDOOR">' in draft
        refunds = root / "policies/refunds.md"
        marker = "Edited while the preview runs."
        refunds.write_text(refunds.read_text("utf-8") + f"\n{marker}\n", "utf-8")
        body = _wait_for(f"{base}/policies/refunds/", marker, 30)
        assert '<meta name="kb-id" content="POL-REFUND">' in body
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()
    assert "Traceback" not in (tmp_path / "serve.log").read_text("utf-8")
