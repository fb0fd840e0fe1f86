"""Matching a case's address to a building's address, for rows that come without coordinates.

Hotline operators type addresses by hand: full-width digits, spaces, "3号楼" / "3幢" / "3座" for our
"3栋", and a unit or room after the building ("…3栋2单元501"). Both sides are normalised the same way, then:

1. exact: the normalised address equals one building's;
2. prefix: the longest building address that starts the case's address ("北环路177号3栋2单元501" →
   building "北环路177号3栋"), ending at a boundary so "…17号" never matches "…177号";
3. otherwise — or when the address matches several buildings — the row is not placed and goes to the
   manual-placement queue with the reason.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from loaders.import_messages import Msg, msg

_DROP = re.compile(r"[\s,，、.。·\-—_()（）]+")
_BUILDING_WORDS = [(re.compile(r"(\d+)(?:号楼|幢|座|栋楼|号栋)"), r"\1栋"), (re.compile(r"(\d+)楼(?=\d+单元)"), r"\1栋"),
                   (re.compile(r"(\d+)门(?=\d)"), r"\1单元")]


def normalise_address(address: str) -> str:
    """Full-width → ASCII, spaces and punctuation dropped, building words unified to 栋."""
    text = _DROP.sub("", unicodedata.normalize("NFKC", str(address)))
    for pattern, replacement in _BUILDING_WORDS:
        text = pattern.sub(replacement, text)
    return text


@dataclass(frozen=True)
class AddressMatch:
    building_id: np.ndarray  # int64, -1 where not matched
    how: np.ndarray  # object: "exact" | "prefix" | "" (not matched)
    reason: np.ndarray  # object: why not matched (a Msg; None when matched)


class AddressIndex:
    """Building addresses, normalised, for exact and longest-prefix lookups."""

    def __init__(self, buildings: Iterable[tuple[int, str]]):
        by_address: dict[str, list[int]] = {}
        for building_id, address in buildings:
            key = normalise_address(address or "")
            if key:
                by_address.setdefault(key, []).append(int(building_id))
        self._ids = by_address
        self._lengths = sorted({len(k) for k in by_address}, reverse=True)
        self._sorted = sorted(by_address)

    def match(self, addresses: Iterable[str]) -> AddressMatch:
        addresses = list(addresses)
        ids = np.full(len(addresses), -1, dtype=np.int64)
        how = np.full(len(addresses), "", dtype=object)
        reason = np.full(len(addresses), None, dtype=object)
        cache: dict[str, tuple[int, str, Msg | None]] = {}
        for i, address in enumerate(addresses):
            if address not in cache:
                cache[address] = self._one(address)
            ids[i], how[i], reason[i] = cache[address]
        return AddressMatch(ids, how, reason)

    def _one(self, address: str) -> tuple[int, str, Msg | None]:
        key = normalise_address(address)
        if not key:
            return -1, "", msg("address_none")
        found = self._ids.get(key)
        kind = "exact"
        if found is None:
            found, kind = self._prefix(key), "prefix"
        if found is None:
            return -1, "", msg("address_unmatched", address=repr(address))
        if len(found) > 1:
            return -1, "", msg("address_ambiguous", address=repr(address), n=len(found))
        return found[0], kind, None

    def _prefix(self, key: str) -> list[int] | None:
        """The longest building address that starts ``key`` at a boundary; else the buildings whose address
        starts with ``key`` (one → that building; several → ambiguous)."""
        for length in self._lengths:
            if length < len(key) and key[:length] in self._ids and not (
                    key[length - 1].isdigit() and key[length].isdigit()):
                return self._ids[key[:length]]
        start = bisect.bisect_left(self._sorted, key)
        stop = bisect.bisect_left(self._sorted, key + "\U0010ffff")
        longer = [k for k in self._sorted[start:stop] if not (key[-1].isdigit() and k[len(key)].isdigit())]
        return [b for k in longer for b in self._ids[k]] or None
