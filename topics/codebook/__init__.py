"""Deductive analysis: read a codebook, derive seed terms, guide topics, align codes and topics."""
