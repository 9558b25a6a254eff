"""Privacy masking for the public (管理办法 art. 35-37): names, phones, addresses."""

from __future__ import annotations

from expressdesk.waybills.phones import mask_phone

__all__ = ["mask_name", "mask_phone", "phone_matches_last4"]


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***, John → J***: only the first character stays."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def phone_matches_last4(phone: str, last4: str) -> bool:
    digits = "".join(ch for ch in last4 if ch.isdigit())
    return len(digits) == 4 and phone.endswith(digits)
