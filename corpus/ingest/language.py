"""Each document's language, detected offline at ingest with py3langid's shipped model.

Transcripts are classified on their participant speech (interviewer turns are left out when
the roles are known), comments on the comment. A text with fewer than :data:`MIN_WORDS` words,
or whose best language has a probability under :data:`MIN_CONFIDENCE`, gets ``und``
(undetermined) rather than a guess: on short texts every identifier guesses wrong often
("Wait for treatment." comes out as Nigerian Pidgin). Both thresholds were measured on the FFT
comments and the OSCE answers (English) against translated interface strings in 21 other
languages (docs/ingest.md, "Language"); ``und`` documents are kept by ``feedcare tokens``.

Long texts are classified on an evenly spread sample of :data:`SAMPLE_CHARS` characters, which
is plenty for a language identifier and keeps a long interview as cheap as a comment.

py3langid classifies one text at a time with a Python loop over its bytes (~8,000 comments/s).
:class:`Detector` runs the same model over a whole batch at once: the byte automaton advances
every text one step per NumPy call and the naive Bayes scores are one sparse product, ~7x
faster, which keeps a million-row comment table a matter of seconds. It gives the labels and
probabilities of ``py3langid.classify`` (tests/corpus/ingest/test_language.py checks this on
real comments and on other languages, so a py3langid release that changes its model layout
fails there rather than silently).
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Sequence

import numpy as np

UNDETERMINED = "und"
MIN_WORDS = 5
MIN_CONFIDENCE = 0.5
SAMPLE_CHARS = 2000
_SAMPLE_PIECES = 8
_NO_LANGUAGE = frozenset({"zxx"})  # py3langid's "no linguistic content"
_CHUNK = 8192  # texts per scoring step: bounds the feature hits and the texts x languages scores


def detector_version() -> dict[str, object]:
    """What decides the labels: recorded in the ingest options, so a change re-reads every file."""
    from importlib.metadata import version

    return {
        "detector": f"py3langid {version('py3langid')}",
        "min_words": MIN_WORDS,
        "min_confidence": MIN_CONFIDENCE,
        "sample_chars": SAMPLE_CHARS,
    }


def sample(text: str, limit: int = SAMPLE_CHARS) -> str:
    """``text`` itself, or :data:`_SAMPLE_PIECES` evenly spaced slices of it totalling ``limit``."""
    if len(text) <= limit:
        return text
    width = limit // _SAMPLE_PIECES
    last = len(text) - width
    starts = [round(i * last / (_SAMPLE_PIECES - 1)) for i in range(_SAMPLE_PIECES)]
    return "\n".join(text[s : s + width] for s in starts)


def speech_text(turns: Sequence[tuple[str, str]]) -> str:
    """The speech a transcript's language is judged on, from its ``(role, text)`` turns.

    The participant's turns when there are any; else every turn that is not the interviewer's
    (roles unknown); else all turns.
    """
    for wanted in (lambda r: r == "participant", lambda r: r != "interviewer", lambda r: True):
        chosen = [text for role, text in turns if wanted(role)]
        if chosen:
            return "\n".join(chosen)
    return ""


class Detector:
    """py3langid's model, applied to many texts at once (see the module docstring)."""

    def __init__(self) -> None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        self.nextmove = _as_numpy(model.tk_nextmove)
        self.rowbase = _as_numpy(model.tk_row).astype(np.int64) << 8
        self.output = np.asarray(model.tk_output, dtype=np.int32)
        self.ptc = np.asarray(model.nb_ptc, dtype=np.float32)
        self.pc = np.asarray(model.nb_pc, dtype=np.float32)
        self.classes = np.array(model.nb_classes, dtype=object)
        self._busy = threading.Lock()
        # A label listed twice (a language in two scripts) sums into its first column.
        first: dict[str, int] = {}
        self.aliases = []
        for i, label in enumerate(model.nb_classes):
            if label in first:
                self.aliases.append((first[label], i))
            else:
                first[label] = i

    def classify(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """The most probable language of each text and its probability (as py3langid's)."""
        labels: list[str] = []
        probabilities = []
        for lo in range(0, len(texts), _CHUNK):
            # One chunk at a time even when ingest's threads call in together: the work holds the
            # GIL for the most part, and this keeps the transient arrays to one chunk's.
            with self._busy:
                chunk_labels, chunk_probabilities = self._classify(texts[lo : lo + _CHUNK])
            labels += chunk_labels
            probabilities.append(chunk_probabilities)
        return labels, np.concatenate(probabilities) if probabilities else np.zeros(0, np.float32)

    def _classify(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        import scipy.sparse as sp

        encoded = [_encode(t) for t in texts]
        n = len(encoded)
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=n)
        order = np.argsort(-lengths, kind="stable")  # longest first: the active texts are a prefix
        ordered = lengths[order]
        data = np.frombuffer(b"".join(encoded[i] for i in order), dtype=np.uint8)
        position = np.concatenate([[0], np.cumsum(ordered)[:-1]]).astype(np.int64)
        # active[i]: how many texts are longer than i bytes (a prefix of the longest-first order)
        steps = int(ordered[0]) if n else 0
        active = n - np.searchsorted(ordered[::-1], np.arange(steps), side="right")
        # The automaton's state after each byte, stored at that byte's place in ``data``.
        state = np.zeros(n, dtype=np.int64)
        visited = np.empty(len(data), dtype=np.int64)
        for step in range(steps):
            k = int(active[step])
            at = position[:k] + step
            current = self.nextmove[self.rowbase[state[:k]] + data[at]]
            state[:k] = current
            visited[at] = current
        # A feature is counted at every byte whose state emits one; count each (text, feature).
        found = self.output[visited]
        hit = found >= 0
        n_features = self.ptc.shape[0]
        text_of_byte = np.repeat(np.arange(n, dtype=np.int64), ordered)
        keys, counts_ = np.unique(text_of_byte[hit] * n_features + found[hit], return_counts=True)
        per_text = np.bincount(keys // n_features, minlength=n)
        indptr = np.concatenate([[0], np.cumsum(per_text)])
        counts = sp.csr_matrix(
            (np.log1p(counts_.astype(np.float32)), (keys % n_features).astype(np.int32), indptr),
            shape=(n, n_features),
        )
        scores = np.asarray(counts @ self.ptc, dtype=np.float32) + self.pc
        scores[np.diff(counts.indptr) == 0] = 0.0  # no feature: uniform, as py3langid
        # py3langid's temperature: sqrt(bytes) keeps the softmax calibrated across lengths
        scores *= (1.0 / np.sqrt(np.maximum(ordered, 1))).astype(np.float32)[:, None]
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        scores /= scores.sum(axis=1, keepdims=True)
        for keep, fold in self.aliases:
            scores[:, keep] += scores[:, fold]
            scores[:, fold] = 0.0
        best = scores.argmax(axis=1)
        labels = np.empty(n, dtype=object)
        probability = np.empty(n, dtype=np.float32)
        labels[order] = self.classes[best]
        probability[order] = scores[np.arange(n), best]
        return labels.tolist(), probability


def _as_numpy(values) -> np.ndarray:
    """A stdlib ``array`` (py3langid's automaton tables) as a NumPy view, without a copy."""
    if isinstance(values, np.ndarray):
        return values
    kinds = {2: np.uint16, 4: np.uint32, 8: np.uint64}
    return np.frombuffer(values, dtype=kinds[values.itemsize])


def _encode(text: str) -> bytes:
    """The bytes py3langid classifies: all-capital text lower-cased, NFC, UTF-8."""
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")


_DETECTOR: Detector | None = None
_LOCK = threading.Lock()


def detector() -> Detector:
    """The shared detector (the model loads once per process, ~1 s; threads may share it)."""
    global _DETECTOR
    with _LOCK:
        if _DETECTOR is None:
            _DETECTOR = Detector()
        return _DETECTOR


def detect_languages(texts: Sequence[str | None], words: Sequence[int | None] | None = None) -> list[str]:
    """The language code of each text, or ``und`` when it is too short or the model unsure.

    ``words`` are the texts' word counts when the caller has them (else ``str.split``); a
    missing text (None) is undetermined.
    """
    if words is None:
        words = [len(t.split()) if t else 0 for t in texts]
    long_enough = [i for i, n in enumerate(words) if n is not None and n >= MIN_WORDS and texts[i]]
    result = [UNDETERMINED] * len(texts)
    if not long_enough:
        return result
    labels, probability = detector().classify([sample(texts[i] or "") for i in long_enough])
    for i, label, p in zip(long_enough, labels, probability.tolist(), strict=True):
        if p >= MIN_CONFIDENCE and label not in _NO_LANGUAGE:
            result[i] = label
    return result


def language_name(code: str) -> str:
    """A readable name for the common codes in messages ("fr" -> "French"); else the code."""
    return _NAMES.get(code, code)


_NAMES = {
    "en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian",
    "pt": "Portuguese", "nl": "Dutch", "pl": "Polish", "cy": "Welsh", "ga": "Irish",
    "gd": "Scottish Gaelic", "ro": "Romanian", "tr": "Turkish", "ur": "Urdu", "pa": "Punjabi",
    "bn": "Bengali", "ar": "Arabic", "zh": "Chinese", "so": "Somali", "lt": "Lithuanian",
    "ru": "Russian", "uk": "Ukrainian", "hi": "Hindi", "gu": "Gujarati", "ta": "Tamil",
    UNDETERMINED: "undetermined",
}
