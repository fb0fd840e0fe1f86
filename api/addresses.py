"""Placing a report that came with an address instead of coordinates: address_string through the building
address index (loaders.case_address, the same matching as the hotline import), address_id as a building code."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.inputs import ApiError
from geo.db.models import Building
from geo.read import references
from loaders.case_address import AddressIndex

_CACHE: dict[tuple, AddressIndex] = {}
_LOCK = threading.Lock()


def _index(session: Session) -> AddressIndex:
    """The index over every building address, rebuilt when the buildings change (count or newest id)."""
    key = (str(session.get_bind().url), *session.execute(select(func.count(), func.max(Building.id))).one())
    with _LOCK:
        if key not in _CACHE:
            _CACHE.clear()
            _CACHE[key] = AddressIndex(references.building_addresses(session))
        return _CACHE[key]


def building_for_address(session: Session, address: str) -> int:
    """The building whose address the text names, or 400 saying why not (no match, several buildings)."""
    match = _index(session).match([address])
    if match.building_id[0] < 0:
        raise ApiError(400, f"address_string: {match.reason[0]}; send lat and long instead")
    return int(match.building_id[0])


def building_for_id(session: Session, address_id: str) -> int:
    """The building with this code (our address_id), or 400."""
    found = session.scalar(select(Building.id).where(Building.code == address_id))
    if found is None:
        raise ApiError(400, f"address_id {address_id!r} is not a building code of this district")
    return int(found)
