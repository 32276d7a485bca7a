"""Short texts (code names, descriptions, queries) through the corpus's own tokenisation.

The same filters, normalisation and lemmas as ``feedcare tokens`` used for the corpus, read from
its recorded settings, so a term derived here is spelled as the vocabulary spells it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from feedcare.corpus.base.settings import build_section
from feedcare.corpus.store.reader import Corpus
from feedcare.corpus.tokens.config import TokensConfig
from feedcare.corpus.tokens.tokenizer import Tokenizer, load_stoplists


def text_chunks(corpus: Corpus, texts: list[str]) -> list[list[list[str]]]:
    """Each text as the tokens stage would see it: phrase chunks of filtered, normalised tokens."""
    known = {f.name for f in dataclasses.fields(TokensConfig)}
    recorded = {k: v for k, v in dict(corpus.tokens_meta().config).items() if k in known}
    config = build_section(TokensConfig, recorded, "tokens", str(corpus.path / "tokens.json"))
    files = {}
    for name in config.stopwords_files:  # as when the corpus was tokenised, when still readable
        try:
            files[name] = Path(name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            pass
    tokenizer = Tokenizer(config, load_stoplists(config, files))
    return [tokenizer.chunks(text) for text in texts]
