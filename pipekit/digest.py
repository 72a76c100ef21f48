"""The one hash pipekit uses for content: BLAKE2b, 20 bytes."""

from __future__ import annotations

try:
    from _blake2 import (
        blake2b as blake2b,
    )  # re-exported; hashlib would load OpenSSL: slow to import
except ImportError:  # pragma: no cover - CPython always has it
    from hashlib import blake2b as blake2b


def digest(data: bytes) -> bytes:
    """A 20-byte BLAKE2b digest."""
    return blake2b(data, digest_size=20).digest()
