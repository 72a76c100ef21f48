"""'Did you mean' for misspelt names."""

from __future__ import annotations

from collections.abc import Iterable


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate to ``word``, or None when nothing is close."""
    import difflib

    best = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"did you mean '{best[0]}'?" if best else None
