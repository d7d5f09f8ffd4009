"""Generate a synthetic multilingual KB of N pages for benchmarks (deterministic by seed)."""

from __future__ import annotations

import random
from pathlib import Path

from kbsite.scaffold import MKDOCS_TEMPLATE

WORDS = {
    "en": "refund customer order replace device hub bulb plug warranty invoice charge call "
    "supervisor escalate response email chat delivery account password reset setup light".split(),
    "it": "rimborso cliente ordine sostituire dispositivo garanzia fattura addebito chiamata "
    "supervisore risposta consegna account password ripristino configurazione luce".split(),
    "tl": "bayad kustomer order palitan aparato garantiya resibo tawag superbisor sagot "
    "paghahatid account password ayusin ilaw".split(),
    "lv": "atmaksa klients pasūtījums aizstāt ierīce garantija rēķins zvans vadītājs atbilde "
    "piegāde konts parole iestatīšana gaisma".split(),
    "te": "రీఫండ్ కస్టమర్ ఆర్డర్ మార్పిడి పరికరం వారంటీ బిల్లు కాల్ సూపర్వైజర్ సమాధానం డెలివరీ ఖాతా పాస్వర్డ్ సెటప్ లైట్".split(),
}
MKDOCS = MKDOCS_TEMPLATE.format(site_name="Synthetic KB")
OWNERS = "\n".join(f"team-{i}:\n  name: Team {i}\n  email: team{i}@example.com" for i in range(8))


_SYLLABLES = {
    "latin": "ba be bi bo ka ke ki ko la le li lo ma me mi mo na ne ni no ra re ri ro sa se si "
    "so ta te ti to va ve vi".split(),
    "te": "క కా కి కు గ గా గి త తా తి ద దా న నా ని ప పా పి మ మా మి ర రా రి ల లా లి వ వా వి స సా".split(),
}
_VOCAB: dict[str, tuple[list[str], list[float]]] = {}


def vocabulary(lang: str) -> tuple[list[str], list[float]]:
    """Domain words first, then 4,000 made-up words of the script, with Zipf weights: like
    real text, a few words are everywhere and most are rare."""
    if lang not in _VOCAB:
        rng = random.Random(f"vocab-{lang}")
        syllables = _SYLLABLES["te" if lang == "te" else "latin"]
        made = {
            "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(6000)
        }
        words = WORDS[lang] + sorted(made - set(WORDS[lang]))[:4000]
        _VOCAB[lang] = (words, [1 / (rank + 10) ** 1.05 for rank in range(len(words))])
    return _VOCAB[lang]


def _paragraph(rng: random.Random, lang: str, words: int) -> str:
    vocab, weights = vocabulary(lang)
    return " ".join(rng.choices(vocab, weights, k=words)).capitalize() + "."


def generate(
    root: Path,
    pages: int,
    seed: int = 7,
    translations: float = 0.2,
    words: int = 250,
    mkdocs: str = MKDOCS,
) -> Path:
    """Write a KB of ``pages`` Markdown files (sources plus translations) under ``root``."""
    rng = random.Random(seed)
    (root / "docs").mkdir(parents=True, exist_ok=True)
    (root / "docs/index.md").write_text("# Home\n", encoding="utf-8")
    (root / "mkdocs.yml").write_text(mkdocs, encoding="utf-8")
    (root / "policies").mkdir(exist_ok=True)
    (root / "policies/owners.yml").write_text(OWNERS + "\n", encoding="utf-8")
    written, index = 0, 0
    sources: list[str] = []
    while written < pages:
        is_policy = index % 4 == 0
        folder = f"policies/area{index % 20}" if is_policy else f"kb/product{index % 40}"
        name = f"page-{index:05d}"
        rel = f"{folder}/{name}.md"
        reviewed = f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}"
        fields = [
            f"id: {'POL' if is_policy else 'KB'}-P{index:05d}",
            f"title: Page {index}",
            f"audience: {'public' if index % 3 else 'internal'}",
            f"last_reviewed: {reviewed}",
            f"tags: [t{index % 13}]",
        ]
        if is_policy:
            fields += [f"owner: team-{index % 8}", "effective: 2025-06-01"]
        link = ""
        if sources:
            target = rng.choice(sources)
            link = f"\n\nSee [related](../../{target}#details).\n"
        body = (
            f"# Page {index}\n\n{_paragraph(rng, 'en', words // 2)}\n\n## Details\n\n"
            f"{_paragraph(rng, 'en', words // 2)}{link}"
        )
        _write(root / rel, fields, body)
        sources.append(rel)
        written += 1
        for lang in ("it", "tl", "lv", "te"):
            if written < pages and rng.random() < translations:
                tr_fields = [
                    *fields[:1],
                    f"title: {lang} {index}",
                    *fields[2:],
                    f"translated_from: {reviewed}",
                ]
                text = f"# {lang} {index}\n\n{_paragraph(rng, lang, words)}\n\n## Details\n"
                _write(root / f"{folder}/{name}.{lang}.md", tr_fields, text)
                written += 1
        index += 1
    return root


def _write(path: Path, fields: list[str], body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\n" + "\n".join(fields) + "\n---\n" + body, encoding="utf-8")
