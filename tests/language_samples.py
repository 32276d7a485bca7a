"""Interview answers in other languages (written for the tests, not taken from any data set).

Each says the same thing a participant in the founding study might: they had never left
feedback online, the nurses were kind, the wait in A&E too long, no one answered.
"""

from __future__ import annotations

from pathlib import Path

ANSWERS = {
    "fr": (
        "En fait, je n'ai jamais laissé d'avis sur internet avant. Du coup, quand ma mère est "
        "sortie de l'hôpital, j'ai voulu raconter ce qui s'était passé, parce que les infirmières "
        "étaient vraiment gentilles mais l'attente aux urgences était beaucoup trop longue. J'ai "
        "écrit un message sur le site, et personne ne m'a répondu pendant des semaines."
    ),
    "de": (
        "Ehrlich gesagt habe ich vorher noch nie eine Bewertung im Internet geschrieben. Als meine "
        "Mutter aus dem Krankenhaus entlassen wurde, wollte ich erzählen, was passiert war, weil "
        "die Pflegekräfte sehr freundlich waren, aber die Wartezeit in der Notaufnahme viel zu "
        "lang war. Niemand hat mir wochenlang geantwortet."
    ),
    "es": (
        "La verdad es que nunca había dejado una opinión en internet. Cuando mi madre salió del "
        "hospital quise contar lo que había pasado, porque las enfermeras fueron muy amables pero "
        "la espera en urgencias fue demasiado larga. Escribí un mensaje en la página web y nadie "
        "me contestó durante semanas."
    ),
    "cy": (
        "A dweud y gwir, doeddwn i erioed wedi gadael adolygiad ar y we o'r blaen. Pan ddaeth fy "
        "mam adref o'r ysbyty, roeddwn i eisiau dweud beth ddigwyddodd, achos roedd y nyrsys yn "
        "garedig iawn ond roedd yr aros yn yr adran frys yn llawer rhy hir. Wnaeth neb ateb."
    ),
    "pl": (
        "Szczerze mówiąc, nigdy wcześniej nie zostawiłam opinii w internecie. Kiedy moja mama "
        "wyszła ze szpitala, chciałam opisać, co się stało, bo pielęgniarki były bardzo miłe, "
        "ale czekanie na izbie przyjęć trwało o wiele za długo. Nikt mi nie odpowiedział."
    ),
}

ENGLISH = (
    "Honestly I had never left a review online before. When my mum came home from the hospital "
    "I wanted to say what had happened, because the nurses were really kind but the wait in A&E "
    "was far too long. I wrote a message on the website and nobody answered me for weeks."
)

QUESTIONS = (
    "Have you ever left feedback about a health service online?",
    "What made you decide to write something that time?",
    "Did anyone reply to what you wrote?",
)


def interview(answer: str) -> str:
    """A short labelled transcript: English questions, the participant answering in ``answer``."""
    sentences = [s.strip() + "." for s in answer.split(".") if s.strip()]
    per = max(1, len(sentences) // len(QUESTIONS))
    lines = []
    for i, question in enumerate(QUESTIONS):
        part = sentences[i * per : (i + 1) * per] if i < len(QUESTIONS) - 1 else sentences[i * per :]
        lines += [f"Interviewer: {question}", f"Participant: {' '.join(part) or 'Yes.'}"]
    return "\n".join(lines) + "\n"


def interview_folder(path: Path, n_english: int = 4, other: str = "fr") -> Path:
    """English interviews P01.. and one interview (P90) whose participant speaks ``other``."""
    path.mkdir(parents=True, exist_ok=True)
    for i in range(1, n_english + 1):
        (path / f"P{i:02d}.txt").write_text(interview(ENGLISH), encoding="utf-8")
    (path / "P90.txt").write_text(interview(ANSWERS[other]), encoding="utf-8")
    return path
