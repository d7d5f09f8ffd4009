"""The rep's desk through `kb search` and `kb serve`: versions as of a day, grouped translations,
the answer first, links per audience, script detection, retired versions' pages, and the
`kb check` codes of version chains."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import MINIMAL_MKDOCS, OWNERS, TODAY, KBProject, page
from desk_kb import DESK_KB
from test_server import serving

SPEC_KEYS = {"id", "title", "type", "lang", "audience", "state", "url", "snippet", "score"}
SITE_URL = "https://help.example.com/"


def write_desk_kb(root: Path) -> KBProject:
    project = KBProject(root)
    project.write("mkdocs.yml", f"site_url: {SITE_URL}\n" + MINIMAL_MKDOCS)
    project.write("policies/owners.yml", OWNERS)
    project.write("docs/index.md", "# Home\n")
    for rel, content in DESK_KB.items():
        if content is not None:
            project.write(rel, content)
    return project


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> KBProject:
    """The desk KB with its index (three versions of the returns policy, translations)."""
    project = write_desk_kb(tmp_path_factory.mktemp("desk") / "kb")
    assert project.kb("check", "--today", TODAY).code == 0
    assert project.kb("index", "--today", TODAY).code == 0
    return project


@pytest.fixture(scope="module")
def desk_server(desk: KBProject) -> Iterator[str]:
    with serving(desk.root) as base:
        yield base


def search(project: KBProject, *args: str) -> dict:
    """`kb search ... --json` through the real entry point."""
    result = project.kb("search", *args, "--json")
    assert result.code == 0, result.err
    return result.json()


def api(base: str, query: str, **params: str) -> dict:
    """`GET /api/search` of a running `kb serve`."""
    response = httpx.get(f"{base}/api/search", params={"q": query, **params}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_as_of_each_day_finds_the_version_then_in_effect(desk_server: str) -> None:
    """As of a day, the version in effect that day answers, boundary days included; retired
    ones say they are not current and name today's version."""
    expected = {
        "2021-12-31": None,
        "2022-01-01": "POL-RETURNS-2022",
        "2024-02-29": "POL-RETURNS-2022",
        "2024-03-01": "POL-RETURNS-2024",
        "2025-12-31": "POL-RETURNS-2024",
        "2026-01-01": "POL-RETURNS",
        TODAY: "POL-RETURNS",
    }
    for day, version in expected.items():
        data = api(desk_server, "return opened device", as_of=day)
        found = [r for r in data["results"] if r["id"].startswith("POL-RETURNS")]
        assert data["as_of"] == day
        if version is None:
            assert found == [], day
            continue
        assert [r["id"] for r in found] == [version], day
        hit = found[0]
        assert set(hit) >= SPEC_KEYS
        if version == "POL-RETURNS":
            assert hit["current"] is True and "current_id" not in hit
        else:
            assert hit["current"] is False and hit["current_id"] == "POL-RETURNS"
            assert hit["public_url"] is None  # no help-center page for a retired version
    period = api(desk_server, "opened", as_of="2024-02-29")["results"][0]["in_effect"]
    assert period == {"from": "2022-01-01", "to": "2024-02-29"}
    for page_id in ("POL-RETURNS", "pol-returns-2022"):  # an id names its whole chain
        by_id = api(desk_server, page_id, as_of="2025-01-01")["results"]
        assert [(r["id"], r["score"]) for r in by_id] == [("POL-RETURNS-2024", 1e6)], page_id


def test_retired_versions_only_as_of_a_date_and_never_for_the_public(desk_server: str) -> None:
    """Without a date, retired versions are never found, not even by id; as of a date the
    customer view still finds only what the help center shows."""
    for query, params in (("seven days", {}), ("POL-RETURNS-2022", {}),
                          ("fourteen", {"audience": "public"})):  # fmt: skip
        ids = {r["id"] for r in api(desk_server, query, **params)["results"]}
        assert not ids & {"POL-RETURNS-2022", "POL-RETURNS-2024"}, query
    public = api(desk_server, "opened", as_of="2025-01-01", audience="public")
    assert public["results"] == []
    assert api(desk_server, "opened", as_of="2025-01-01")["results"][0]["id"] == (
        "POL-RETURNS-2024"
    )


def test_translations_are_one_result_shown_in_the_reps_language(desk_server: str) -> None:
    """All languages: one result per page with every translation listed, the rep's language
    first and shown when it matched; another preference shows that translation."""
    data = api(desk_server, "refund")
    ids = [r["id"] for r in data["results"]]
    assert len(ids) == len(set(ids)) and ids[0] == "POL-RETURNS"
    first = data["results"][0]
    assert first["lang"] == "en" and set(first) >= SPEC_KEYS
    assert first["answer"].startswith("Opened devices come back within thirty days")
    langs = [t["lang"] for t in first["translations"]]
    assert langs == ["en", "it", "tl", "te"]
    matched = {t["lang"] for t in first["translations"] if t["matched"]}
    assert {"en", "tl"} <= matched
    tagalog = api(desk_server, "refund", prefer="tl")["results"][0]
    assert tagalog["lang"] == "tl" and tagalog["title"] == "Pagbabalik ng device"
    assert next(t["lang"] for t in tagalog["translations"]) == "tl"
    assert tagalog["answer"] is None  # the Tagalog page has no answer of its own
    # The rep's language did not match: the best matching translation is shown.
    italian = api(desk_server, "rimborso", prefer="en")["results"][0]
    assert italian["lang"] == "it" and italian["answer"].startswith("I dispositivi aperti")


def test_a_telugu_query_searches_telugu(desk: KBProject) -> None:
    """A query in Telugu script searches Telugu pages only, and says so."""
    data = search(desk, "రీఫండ్")
    assert data["detected_lang"] == "te"
    assert [(r["id"], r["lang"]) for r in data["results"]] == [("POL-RETURNS", "te")]


def test_snippets_mark_phrases_whole_without_table_debris(desk_server: str) -> None:
    """Snippets are clean passages: no table rule, no pipe; a multi-word synonym is marked
    as one phrase and its words are never marked alone."""
    data = api(desk_server, "refund", limit="10")
    snippets = {r["id"]: r["snippet"] for r in data["results"]}
    assert all("---" not in s and "|" not in s and "**" not in s for s in snippets.values())
    assert snippets["POL-GOODWILL"] == (
        "Limits — A rep may give <mark>money back</mark> as a credit of up to 10 EUR after a "
        "second late delivery."
    )
    assert "<mark>back</mark>" not in json.dumps(data)
    tl = api(desk_server, "refund", lang="tl")["results"][0]["snippet"]
    assert "<mark>ang</mark>" not in tl and "<mark>bayad</mark>" not in tl
    table = api(desk_server, "unopened box")["results"][0]["snippet"]
    assert table == (
        "Time limit — <mark>Unopened</mark> <mark>box</mark>: refund of the price and the delivery"
    )


def test_customer_view_never_shows_rep_only_passages(desk_server: str) -> None:
    """A passage of an `internal` admonition is the best passage for a rep, never for the
    customer view, which shows the page's public text instead."""
    rep = api(desk_server, "reset hub")["results"][0]
    assert rep["id"] == "KB-HUB-RESET"
    assert rep["snippet"] == (
        "After a third <mark>reset</mark>, offer a free replacement <mark>hub</mark>."
    )
    public = api(desk_server, "reset hub", audience="public")["results"][0]
    assert public["id"] == "KB-HUB-RESET"
    assert public["snippet"] == "Hold the button for ten seconds."


def test_cli_links_and_bad_dates(desk: KBProject) -> None:
    """The CLI gives the help center's own address as the customer link (none for an
    internal page); --audience public gives it as `url`; a bad --as-of is a usage error."""
    hits = {r["id"]: r for r in search(desk, "refund")["results"]}
    assert hits["POL-RETURNS"]["public_url"] == SITE_URL + "policies/returns/"
    assert hits["POL-RETURNS"]["url"] == "policies/returns/"
    assert hits["POL-GOODWILL"]["public_url"] is None
    public = search(desk, "refund", "--audience", "public")["results"][0]
    assert public["url"] == SITE_URL + "policies/returns/" and public["internal_url"] is None
    for bad in ("2024-02-30", "yesterday"):
        result = desk.kb("search", "refund", "--as-of", bad)
        assert result.code == 2 and "--as-of" in result.err and "Traceback" not in result.err
    text = desk.kb("search", "opened", "--as-of", "2025-01-01")
    assert "in effect 2024-03-01 to 2025-12-31; now replaced by POL-RETURNS" in text.out


def test_api_groups_dates_and_keeps_customers_out_of_the_rep_site(desk_server: str) -> None:
    """The HTTP API: rep links into /internal/, retired versions at /versions/; the customer
    view has help-center links only, not one /internal/ anywhere; bad dates are 400."""
    api = f"{desk_server}/api/search"
    rep = httpx.get(api, params={"q": "refund", "prefer": "it"}).json()
    first = rep["results"][0]
    assert first["lang"] == "en"  # Italian did not match "refund": the best match is shown
    assert first["url"] == first["internal_url"] == "/internal/policies/returns/"
    assert first["public_url"] == SITE_URL + "policies/returns/"
    assert [t["url"] for t in first["translations"]][:2] == [
        "/internal/it/policies/returns/",
        "/internal/policies/returns/",
    ]
    customer = httpx.get(api, params={"q": "refund", "audience": "public"})
    assert customer.status_code == 200 and "/internal/" not in customer.text
    urls = [r["url"] for r in customer.json()["results"]]
    assert urls and all(u.startswith("/public/") for u in urls)
    old = httpx.get(api, params={"q": "opened", "as_of": "2023-05-01"}).json()["results"][0]
    assert old["id"] == "POL-RETURNS-2022" and old["url"] == "/versions/POL-RETURNS-2022/en/"
    for params in ({"as_of": "2023-02-29"}, {"as_of": "soon"}, {"prefer": "fr"}):
        response = httpx.get(api, params={"q": "refund", **params})
        assert response.status_code == 400 and response.json()["error"], params


def test_a_retired_version_has_a_page_on_the_server(desk_server: str) -> None:
    """/versions/ID/LANG/ shows a retired version: when it applied, today's version linked,
    its text with links into the rep site; an unknown or live id is 404."""
    response = httpx.get(f"{desk_server}/versions/POL-RETURNS-2024/en/")
    assert response.status_code == 200
    text = response.text
    assert "In effect 2024-03-01 – 2025-12-31" in text
    assert 'href="/internal/policies/returns/">Returns (POL-RETURNS)</a>' in text
    assert "<strong>fourteen days</strong>" in text and "<table>" in text
    # An Italian rep: the page speaks Italian around the English text (it has no
    # translation), and leads to the Italian rep search, rep site and current version.
    italian = httpx.get(f"{desk_server}/versions/POL-RETURNS-2024/it/").text
    assert '<html lang="it">' in italian and '<article lang="en">' in italian
    assert "<strong>Versione ritirata</strong>" in italian
    assert "In vigore dal 2024-03-01 al 2025-12-31" in italian
    assert '<a href="/it/">Ricerca operatori</a>' in italian
    assert '<a href="/internal/it/">Sito operatori</a>' in italian
    assert 'Oggi: <a href="/internal/it/policies/returns/">Resi (POL-RETURNS)</a>.' in italian
    assert "In effect" not in italian and "Retired" not in italian
    for path in ("POL-NOPE/en/", "POL-RETURNS/en/", "<script>/en/", "<b>/xx/"):
        missing = httpx.get(f"{desk_server}/versions/{path}")
        assert missing.status_code == 404 and "<script>" not in missing.text
        assert "<b>" not in missing.text and "No retired version" in missing.text
    missing = httpx.get(f"{desk_server}/versions/POL-NOPE/te/").text
    assert '<html lang="te">' in missing and "POL-NOPE అనే ఉపసంహరించిన సంస్కరణ లేదు" in missing
    assert '<a href="/te/">ప్రతినిధుల శోధన</a>' in missing


def test_a_new_version_reindexes_the_one_it_ends(make_project) -> None:
    """`kb index` after adding a version updates the new page and the one whose period it
    ends (its own file unchanged), and as-of answers follow."""
    project = write_desk_kb(make_project().root)
    (project.root / "policies/returns-2024.md").unlink()
    current = DESK_KB["policies/returns.md"].replace(
        'supersedes: ["POL-RETURNS-2024"]', 'supersedes: ["POL-RETURNS-2022"]'
    )
    project.write("policies/returns.md", current)
    assert project.kb("index", "--today", TODAY).code == 0
    assert search(project, "opened", "--as-of", "2025-01-01")["results"][0]["id"] == (
        "POL-RETURNS-2022"
    )
    project.write("policies/returns-2024.md", DESK_KB["policies/returns-2024.md"])
    project.write("policies/returns.md", DESK_KB["policies/returns.md"])
    result = project.kb("index", "--today", TODAY)
    assert "updated 3, removed 0" in result.out  # the new version, its successor, its predecessor
    assert search(project, "opened", "--as-of", "2025-01-01")["results"][0]["id"] == (
        "POL-RETURNS-2024"
    )


def test_check_reports_unknown_and_overlapping_versions(make_project) -> None:
    """`kb check` warns about a `supersedes` id no page has (with the closest id), a version
    starting before the one it replaces, one still applying after its successor started, and
    an old version left active once replaced; a clean chain has no problem."""

    def policy(pid: str, effective: str, **fields: object) -> str:
        return page(id=pid, title=pid, owner="billing-team", audience="internal",
                    effective=effective, last_reviewed="2026-01-01", **fields)  # fmt: skip

    project = make_project(
        {
            "policies/a.md": policy("POL-A", "2024-01-01", status="retired"),
            "policies/b.md": policy("POL-B", "2025-01-01", supersedes=["POL-A", "POL-AA"]),
            "policies/c.md": policy("POL-C", "2023-01-01", supersedes=["POL-B"]),
            "policies/d.md": policy("POL-D", "2024-01-01", expires="2025-06-30"),
            "policies/e.md": policy("POL-E", "2025-06-01", supersedes=["POL-D"]),
            "policies/f.md": policy("POL-F", "2024-01-01"),
            "policies/g.md": policy("POL-G", "2025-01-01", supersedes=["POL-F"]),
            "policies/h.md": policy("POL-H", "2024-01-01"),
            "policies/i.md": policy("POL-I", "2027-01-01", supersedes=["POL-H"]),
        }
    )
    result = project.kb("check", "--json", "--today", TODAY)
    assert result.code == 0  # warnings only
    found = [(p["file"], p["code"], p["field"]) for p in result.json()["problems"]]
    assert found == [
        ("policies/b.md", "supersedes-unknown", "supersedes"),
        ("policies/c.md", "supersedes-overlap", "effective"),
        ("policies/e.md", "supersedes-overlap", "supersedes"),
        ("policies/f.md", "supersedes-overlap", "status"),
    ]
    problems = {p["file"]: p for p in result.json()["problems"]}
    assert problems["policies/b.md"]["hint"] == "did you mean `POL-A`?"
    assert "expires: 2025-05-31" in problems["policies/e.md"]["hint"]
    assert project.kb("check", "--strict", "--today", TODAY).code == 1
