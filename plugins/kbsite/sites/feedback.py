"""The "Was this helpful?" widget of both sites: its texts per language and its settings.

The widget itself is ``templates/partials/kb-feedback.html`` with ``templates/assets/kb/
feedback.js`` and ``feedback.css``; a site build puts ``widget_config(...)`` into
``config.extra.kb_feedback`` and the partial renders nothing without it. The help center has
the widget only when ``feedback_url`` names the `kb serve` that collects its votes; the rep site
always has it (it is served by `kb serve` itself) and adds "Flag as outdated".
"""

from __future__ import annotations

from typing import Any

from kbsite.settings import Settings

#: The widget's texts, by language. Keys ending in ``flag`` are for the rep site only.
STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "question": "Was this page helpful?",
        "yes": "Yes",
        "no": "No",
        "comment": "What was missing or wrong? (optional)",
        "send": "Send",
        "thanks": "Thank you for your feedback.",
        "error": "Your feedback could not be sent. Please try again later.",
        "flag": "Flag as outdated",
        "flag_comment": "What is outdated? (optional)",
        "flag_thanks": "Flagged as outdated: the page's owner will see it.",
    },
    "it": {
        "question": "Questa pagina ti è stata utile?",
        "yes": "Sì",
        "no": "No",
        "comment": "Che cosa mancava o era sbagliato? (facoltativo)",
        "send": "Invia",
        "thanks": "Grazie per il tuo riscontro.",
        "error": "Non è stato possibile inviare il riscontro. Riprova più tardi.",
        "flag": "Segnala come non aggiornata",
        "flag_comment": "Che cosa non è aggiornato? (facoltativo)",
        "flag_thanks": "Segnalata come non aggiornata: il responsabile della pagina la vedrà.",
    },
    "tl": {
        "question": "Nakatulong ba ang pahinang ito?",
        "yes": "Oo",
        "no": "Hindi",
        "comment": "Ano ang kulang o mali? (opsyonal)",
        "send": "Ipadala",
        "thanks": "Salamat sa iyong puna.",
        "error": "Hindi naipadala ang iyong puna. Pakisubukang muli mamaya.",
        "flag": "Markahan bilang luma na",
        "flag_comment": "Ano ang luma na? (opsyonal)",
        "flag_thanks": "Namarkahan bilang luma na: makikita ito ng may-ari ng pahina.",
    },
    "lv": {
        "question": "Vai šī lapa jums palīdzēja?",
        "yes": "Jā",
        "no": "Nē",
        "comment": "Kas trūka vai bija nepareizi? (nav obligāti)",
        "send": "Nosūtīt",
        "thanks": "Paldies par atsauksmi!",
        "error": "Atsauksmi neizdevās nosūtīt. Lūdzu, mēģiniet vēlāk vēlreiz.",
        "flag": "Atzīmēt kā novecojušu",
        "flag_comment": "Kas ir novecojis? (nav obligāti)",
        "flag_thanks": "Atzīmēta kā novecojusi: lapas īpašnieks to redzēs.",
    },
    "te": {
        "question": "ఈ పేజీ మీకు ఉపయోగపడిందా?",
        "yes": "అవును",
        "no": "లేదు",
        "comment": "ఏమి లోపించింది లేదా తప్పుగా ఉంది? (ఐచ్ఛికం)",
        "send": "పంపండి",
        "thanks": "మీ అభిప్రాయానికి ధన్యవాదాలు.",
        "error": "మీ అభిప్రాయాన్ని పంపలేకపోయాము. దయచేసి తర్వాత మళ్లీ ప్రయత్నించండి.",
        "flag": "పాతదిగా గుర్తించండి",
        "flag_comment": "ఏది పాతబడింది? (ఐచ్ఛికం)",
        "flag_thanks": "పాతదిగా గుర్తించబడింది: పేజీ యజమాని దీన్ని చూస్తారు.",
    },
}
REPS_ONLY = ("flag", "flag_comment", "flag_thanks")
WIDGET_ASSETS = "assets/kb/feedback."  # its script and style sheet, under templates/


def strings(language: str, audience: str) -> dict[str, str]:
    """The widget's texts in ``language`` (English for any text not translated yet)."""
    texts = {**STRINGS["en"], **STRINGS.get(language, {})}
    if audience == "public":
        texts = {key: value for key, value in texts.items() if key not in REPS_ONLY}
    return texts


def widget_config(settings: Settings, audience: str, language: str) -> dict[str, Any] | None:
    """What ``config.extra.kb_feedback`` holds for one site build; None: no widget."""
    if audience == "public":
        if not settings.feedback_url:
            return None
        endpoint = settings.feedback_url
    else:
        endpoint = "/"  # the rep site is served by `kb serve` itself
    return {
        "endpoint": endpoint,
        "site": audience,
        "searches": audience == "public" and settings.feedback_searches,
        "strings": strings(language, audience),
    }
