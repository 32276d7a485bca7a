"""``feedcare tokens``: the corpus → analysis units → tokens.parquet, vocabulary.parquet, tokens.json.

Owns the ``[tokens]`` settings (``config``), the tokenizer, word normalisation (lemmas), analysis
units, phrases, the vocabulary and the batched corpus read (``batches``); ``build`` runs them.
"""
