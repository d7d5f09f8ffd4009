"""Help-center search index (kbsite.sites.client_search): documents, files, updates, sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from html_pages import page_from_html
from kbsite.sites.client_search import ClientDoc, ClientSearchError, update_index, write_index
from kbsite.sites.client_search.segment import Segment, analyse


def doc(url: str, title: str, text: str, lang: str = "en", **fields: object) -> ClientDoc:
    return ClientDoc(
        url=url,
        title=title,
        type=str(fields.pop("type", "article")),
        lang=lang,
        sections=(("", "", text), ("Details", "details", f"More about {title.lower()}.")),
        **fields,  # type: ignore[arg-type]
    )


DOCS = [
    doc("kb/refunds/", "Refunds", "Ask for a refund within 30 days.", type="policy", id="POL-R"),
    doc(
        "kb/hub/", "Hub setup", "Connect the hub to Wi-Fi.", products=("hub",), note="Changes soon"
    ),
    doc("kb/bulb/", "Bulb pairing", "Pair the bulbs with the hub.", products=("bulb", "hub")),
]


def manifest(out: Path) -> dict[str, object]:
    return json.loads((out / "meta.json").read_text(encoding="utf-8"))


def test_write_index_files_and_manifest(tmp_path: Path) -> None:
    """A full write gives the manifest, one base segment, the client files and filter counts."""
    summary = write_index(tmp_path, "en", DOCS, {"en": [["refund", "money back"]]})
    meta = manifest(tmp_path)
    assert summary.docs == meta["n"] == 3
    assert meta["stemmed"] is True and meta["types"] == {"article": 2, "policy": 1}
    assert meta["products"] == {"bulb": 1, "hub": 2}
    assert meta["synonyms"] == [
        [{"w": "refund", "t": ["refund"]}, {"w": "money back", "t": ["money", "back"]}]
    ]
    assert (tmp_path / "kb-search.js").is_file() and (tmp_path / "kb-search.css").is_file()
    bucket = json.loads((tmp_path / "b-1/v/72-65.json").read_text(encoding="utf-8"))
    assert "refund" in bucket["t"] and bucket["f"]["refunds"] == ["refund"]
    words = json.loads((tmp_path / "b-1/w/72-6.json").read_text(encoding="utf-8"))
    assert "refund" in words  # typo word lists: first letter and length


def test_segment_reads_back_what_it_wrote(tmp_path: Path) -> None:
    """Reading a segment's files gives the same postings, forms, ids and records."""
    write_index(tmp_path, "en", DOCS)
    back = Segment.read(tmp_path / "b-1")
    assert [r.url for r in back.records] == ["kb/bulb/", "kb/hub/", "kb/refunds/"]
    assert back.ids == {"pol-r": 2}
    assert back.postings["hub"][0][0] == 0 and {d for d, _ in back.postings["hub"]} == {0, 1}
    assert back.records[1].note == "Changes soon"


def test_one_changed_page_rewrites_few_files(tmp_path: Path) -> None:
    """An update writes a small delta segment and the manifest; the base stays as it was."""
    write_index(tmp_path, "en", DOCS)
    base_files = {p: p.read_bytes() for p in (tmp_path / "b-1").rglob("*") if p.is_file()}
    changed = doc("kb/hub/", "Hub setup", "Connect the hub to the router.", products=("hub",))
    summary = update_index(tmp_path, "en", [changed], [])
    assert summary.files_written < 25 and summary.delta_docs == 1 and summary.dead == 1
    assert {p: p.read_bytes() for p in (tmp_path / "b-1").rglob("*") if p.is_file()} == base_files
    meta = manifest(tmp_path)
    assert [s["dir"] for s in meta["segments"]] == ["b-1", "d-2"]  # type: ignore[index]
    assert meta["segments"][0]["dead"] == [1] and meta["n"] == 3  # type: ignore[index]
    summary = update_index(tmp_path, "en", [], ["kb/bulb/"])
    meta = manifest(tmp_path)
    assert meta["n"] == 2 and meta["products"] == {"hub": 1}
    assert not (tmp_path / "d-2.json").exists() and (tmp_path / "d-3.json").is_file()
    assert meta["segments"][1]["pack"] is True  # type: ignore[index]


def test_a_delta_of_a_few_pages_is_one_file_with_the_same_contents(tmp_path: Path) -> None:
    """A delta of at most PACK_DOCS pages is written as one file holding what its folder
    would (the browser fetches it once); a larger one as a folder of files."""
    from kbsite.sites.client_search.writer import PACK_DOCS

    many = [doc(f"kb/p{i}/", f"Page {i}", f"Text number {i}.") for i in range(200)]
    write_index(tmp_path, "en", many)
    few = [doc(f"kb/p{i}/", f"Page {i}", f"Changed words {i}.") for i in range(PACK_DOCS)]
    update_index(tmp_path, "en", few, [])
    assert (tmp_path / "d-2.json").is_file() and not (tmp_path / "d-2").exists()
    segment = Segment.from_docs([analyse(d) for d in few], [1.0, 2.0, 3.0])
    folders, packed = tmp_path / "as-files", tmp_path / "as-one"
    assert segment.write(folders, 1000) == segment.write(packed, 1000, pack=True)
    files = {
        path.relative_to(folders).as_posix(): json.loads(path.read_text("utf-8"))
        for path in folders.rglob("*.json")
    }
    assert json.loads((tmp_path / "as-one.json").read_text("utf-8")) == files
    assert {"d/0.json", "f/type.json"} <= files.keys() and not packed.exists()
    more = [doc(f"kb/p{i}/", f"Page {i}", f"Other words {i}.") for i in range(PACK_DOCS + 1)]
    update_index(tmp_path, "en", more, [])
    meta = manifest(tmp_path)
    assert (tmp_path / "d-3").is_dir() and not (tmp_path / "d-2.json").exists()
    assert "pack" not in meta["segments"][1]  # type: ignore[index]


def test_many_changes_merge_into_a_new_base(tmp_path: Path) -> None:
    """Past the merge threshold, base and delta become one new base segment."""
    many = [doc(f"kb/p{i}/", f"Page {i}", f"Text number {i}.") for i in range(80)]
    write_index(tmp_path, "en", many)
    changed = [doc(f"kb/p{i}/", f"Page {i}", f"Rewritten text {i}.") for i in range(70)]
    summary = update_index(tmp_path, "en", changed, ["kb/p79/"])
    meta = manifest(tmp_path)
    assert summary.delta_docs == 0 and summary.dead == 0 and meta["n"] == 79
    assert [s["dir"] for s in meta["segments"]] == ["b-2"]  # type: ignore[index]
    back = Segment.read(tmp_path / "b-2")
    assert "rewritten" in back.postings and len(back.postings["rewritten"]) == 70


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url": "/abs/"}, "url must be relative"),
        ({"title": " "}, "title is empty"),
        ({"type": "faq"}, "type `faq` is not one of"),
        ({"weight": 0}, "weight must be in"),
    ],
)
def test_bad_documents_are_refused_with_a_clear_message(
    fields: dict[str, object], message: str
) -> None:
    """A document the index cannot hold raises ClientSearchError naming it and the fix."""
    values: dict[str, object] = {"url": "kb/a/", "title": "A", "type": "article", **fields}
    with pytest.raises(ClientSearchError, match=message):
        ClientDoc(**values)  # type: ignore[arg-type]


def test_wrong_language_duplicates_and_missing_index(tmp_path: Path) -> None:
    """Documents of another language or given twice, and updates without an index, are refused."""
    with pytest.raises(ClientSearchError, match="in `it`, not in this site's `en`"):
        write_index(tmp_path, "en", [doc("kb/a/", "A", "x", lang="it")])
    with pytest.raises(ClientSearchError, match="given twice"):
        write_index(tmp_path, "en", [DOCS[0], DOCS[0]])
    with pytest.raises(ClientSearchError, match="no search index to update"):
        update_index(tmp_path / "none", "en", DOCS, [])


def test_page_from_html_reads_only_what_the_page_shows() -> None:
    """Permalinks, scripts and hidden notices are left out; a banner is the customer note."""
    html = (
        '<html><head><meta name="kb-id" content="POL-R"><meta name="kb-lang" content="en"></head>'
        '<body><article class="md-content__inner"><div hidden>SECRET</div><script>var x=1;</script>'
        '<h1 id="t">Refunds<a class="headerlink" href="#t">¶</a></h1>'
        '<div class="kb-banner"><p class="admonition-title">Changes soon</p><p>From May.</p></div>'
        "<p>Intro<br>text.</p>"
        '<h2 id="how">How<a class="headerlink" href="#how">¶</a></h2><ul><li>One</li><li>Two</li></ul>'
        "</article><footer>Footer text</footer></body></html>"
    )
    page = page_from_html(html)
    assert (page.title, page.kb_id, page.kb_lang) == ("Refunds", "POL-R", "en")
    assert page.note == "Changes soon From May."
    assert page.sections == [("", "", "Intro text."), ("How", "how", "One\nTwo")]


@given(st.text(alphabet="abc <>&\"'/=-", max_size=40))
def test_hidden_and_script_text_never_reaches_the_index(secret: str) -> None:
    """Whatever a script or hidden element holds, page_from_html leaves it out."""
    from html import escape

    marked = f"ZQX{escape(secret)}ZQX"
    page = page_from_html(
        f'<article><h1>T</h1><div hidden>{marked}</div><script>"{marked}"</script><p>ok</p></article>'
    )
    assert all("ZQX" not in text for _, _, text in page.sections)


def test_a_short_answer_is_searched_as_heading_words_and_kept_in_the_writer_state() -> None:
    """A document's ``answer`` is analysed as heading words (as rep search does), not as
    body text, and survives the round trip through the writer's state (a page kept in the
    delta is analysed again from there at the next update)."""
    answered = doc("kb/keys/", "Spare keys", "Order them online.", answer="Locksmiths cut copies.")
    title, headings, body = analyse(answered).fields
    assert {"locksmith", "copi"} <= headings.keys()
    assert not {"locksmith", "copi"} & (title.keys() | body.keys())
    assert ClientDoc.from_dict(json.loads(json.dumps(answered.as_dict()))) == answered
    assert "locksmith" not in analyse(doc("kb/keys/", "Spare keys", "Order them online.")).fields[1]
