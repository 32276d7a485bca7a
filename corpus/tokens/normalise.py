"""Word normalisation shared by tokenisation and keyword-in-context search.

Lemmas come from simplemma, which ships its data inside the package (no downloads).
"""

from __future__ import annotations

from functools import lru_cache

import simplemma

# simplemma reads these as nouns ("felt" the fabric, "a feeling", "a thought"); in interview
# speech they are overwhelmingly the verbs ("I felt", "I was feeling", "I thought"), and a
# researcher searching for `feel` expects to find them.
# "tired" is the adjective, not the verb "tire".
SPOKEN_LEMMAS = {"felt": "feel", "feeling": "feel", "thought": "think", "tired": "tired"}


# British spelling doubles the l ("cancelled", "travelling"); simplemma then returns "cancell".
_DOUBLED_L_STEMS = frozenset(
    "cancel travel label signal model counsel level total fuel channel marvel quarrel tunnel "
    "funnel shovel dial trial equal pedal panel".split()
)


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """The English lemma of a lower-case word ("felt" → "feel"); the word itself if unknown."""
    if word in SPOKEN_LEMMAS:
        return SPOKEN_LEMMAS[word]
    # simplemma can return capitalised lemmas ("COVID", "I'm"); tokens are lower case.
    result = simplemma.lemmatize(word, lang="en").lower()
    if result.endswith("ll") and result[:-1] in _DOUBLED_L_STEMS:
        return result[:-1]
    return result


def normalise(word: str, lemmatize: bool = True) -> str:
    """Lower-case and (optionally) lemmatise one word the way `feedcare tokens` does."""
    word = word.lower()
    return lemma(word) if lemmatize else word
