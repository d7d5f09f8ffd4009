"""The words of the search box in each language of the help center."""

from __future__ import annotations

LABELS: dict[str, dict[str, object]] = {
    "en": {
        "search": "Search",
        "placeholder": "Type to start searching",
        "none": "No matching pages",
        "one": "1 matching page",
        "other": "# matching pages",
        "error": "Search is unavailable right now.",
        "all_types": "All types",
        "all_products": "All products",
        "browse": "Browse all pages by category",
        "more": "More results",
        "types": {"article": "Article", "policy": "Policy", "procedure": "Procedure"},
    },
    "it": {
        "search": "Cerca",
        "placeholder": "Digita per cercare",
        "none": "Nessuna pagina trovata",
        "one": "1 pagina trovata",
        "other": "# pagine trovate",
        "error": "La ricerca non è disponibile al momento.",
        "all_types": "Tutti i tipi",
        "all_products": "Tutti i prodotti",
        "browse": "Sfoglia tutte le pagine per categoria",
        "more": "Altri risultati",
        "types": {"article": "Articolo", "policy": "Regola", "procedure": "Procedura"},
    },
    "tl": {
        "search": "Maghanap",
        "placeholder": "Mag-type para maghanap",
        "none": "Walang tugmang pahina",
        "one": "1 tugmang pahina",
        "other": "# tugmang pahina",
        "error": "Hindi magamit ang paghahanap ngayon.",
        "all_types": "Lahat ng uri",
        "all_products": "Lahat ng produkto",
        "browse": "Tingnan ang lahat ng pahina ayon sa kategorya",
        "more": "Iba pang resulta",
        "types": {"article": "Artikulo", "policy": "Patakaran", "procedure": "Pamamaraan"},
    },
    "lv": {
        "search": "Meklēt",
        "placeholder": "Rakstiet, lai meklētu",
        "none": "Nav atbilstošu lapu",
        "one": "1 atbilstoša lapa",
        "other": "Atbilstošas lapas: #",
        "error": "Meklēšana pašlaik nav pieejama.",
        "all_types": "Visi veidi",
        "all_products": "Visi produkti",
        "browse": "Pārlūkot visas lapas pa kategorijām",
        "more": "Vairāk rezultātu",
        "types": {"article": "Raksts", "policy": "Noteikumi", "procedure": "Procedūra"},
    },
    "te": {
        "search": "వెతకండి",
        "placeholder": "వెతకడానికి టైప్ చేయండి",
        "none": "సరిపోలే పేజీలు లేవు",
        "one": "1 సరిపోలే పేజీ",
        "other": "# సరిపోలే పేజీలు",
        "error": "ప్రస్తుతం శోధన అందుబాటులో లేదు.",
        "all_types": "అన్ని రకాలు",
        "all_products": "అన్ని ఉత్పత్తులు",
        "browse": "అన్ని పేజీలను వర్గాల వారీగా చూడండి",
        "more": "మరిన్ని ఫలితాలు",
        "types": {"article": "వ్యాసం", "policy": "విధానం", "procedure": "ప్రక్రియ"},
    },
}


def labels(lang: str) -> dict[str, object]:
    """The search box's words in ``lang`` (English for a language without them)."""
    return {**LABELS["en"], **LABELS.get(lang, {})}
