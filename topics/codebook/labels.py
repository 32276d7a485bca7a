"""Theme labels of a guided run: the code names for guided topics, free topics marked as such."""

from __future__ import annotations

from feedcare.topics.codebook.guidance import Guidance

FREE_PREFIX = "Free topic"


def guided_label(guidance: Guidance, topic: int, top_terms: list[str]) -> tuple[str, str]:
    """(label, memo) of ``topic``: its code's name and description with the seeds, or a free topic's
    name from its top terms ("Free topic 1: wait, appointment, phone")."""
    code = guidance.code_of_topic(topic)
    if code is not None:
        seeds = ", ".join(code.seeds or [])
        memo = (f"{code.description}\n\n" if code.description else "") + (
            f"Code '{code.path}' of codebook {guidance.path}; guided by the seed terms: {seeds}.")
        return code.name, memo
    number = topic - guidance.n_guided + 1
    return (f"{FREE_PREFIX} {number}: {', '.join(top_terms[:3])}",
            "A free topic: not guided by the codebook; what the data holds beyond its codes.")
