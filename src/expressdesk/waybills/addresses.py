"""Chinese addresses parsed into province / city / district with ``cpca``.

cpca (Chinese Province City Area mapper) matches the administrative names in a free-text address,
including abbreviations ("广州天河区") and a missing province. An address it cannot place is kept
as typed and marked unparsed, so the desk can fix it instead of the parcel going astray.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# cpca names a municipality's city level "市辖区" (and a few "县"); for people the city is the
# municipality itself.
_CITY_PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


@dataclass(frozen=True)
class ParsedAddress:
    province: str | None
    city: str | None
    district: str | None
    detail: str
    raw: str

    @property
    def parsed(self) -> bool:
        """Province, city and district were all recognised."""
        return bool(self.province and self.city and self.district)

    @property
    def region(self) -> str:
        return "".join(p for p in (self.province, self.city, self.district) if p)


@lru_cache(maxsize=1)
def _cpca() -> Any:
    import cpca  # imported on first use: it loads its tables with pandas (~0.5 s)

    return cpca


def _clean(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def parse_addresses(raws: Sequence[str]) -> list[ParsedAddress]:
    """Parse many addresses at once (one cpca call: much faster than one by one)."""
    if not raws:
        return []
    frame = _cpca().transform(list(raws))
    results: list[ParsedAddress] = []
    for raw, row in zip(raws, frame.to_dict("records"), strict=True):
        province = _clean(row.get("省"))
        city = _clean(row.get("市"))
        district = _clean(row.get("区"))
        if city in _CITY_PLACEHOLDERS:
            city = province
        detail = _clean(row.get("地址")) or ""
        results.append(ParsedAddress(province, city, district, detail, raw))
    return results


def parse_address(raw: str) -> ParsedAddress:
    """Parse one address."""
    return parse_addresses([raw])[0]
