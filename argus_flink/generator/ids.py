"""Identifiers drawn from a seeded rng, so they repeat exactly for one seed."""

from __future__ import annotations

import random


def random_uuid(rng: random.Random) -> str:
    """A version-4 UUID string; formatted by hand because uuid.UUID is slow in the hot loop."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def random_hex(rng: random.Random, digits: int) -> str:
    return f"{rng.getrandbits(4 * digits):0{digits}x}"


def random_sha(rng: random.Random) -> str:
    """A 40-hex-digit git commit sha."""
    return random_hex(rng, 40)
