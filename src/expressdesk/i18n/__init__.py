"""zh-CN and English: Babel message catalogs, loaded from the .po files at start-up.

The .po files are the source of truth (edited by people, extracted with ``pybabel extract``);
they are compiled in memory, so no binary .mo file lives in the repository.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from babel import Locale, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
LOCALE_LABELS = {"zh_CN": "中文", "en": "English"}
_LOCALE_DIR = Path(__file__).parent / "locales"


@cache
def translations(locale: str) -> Translations:
    """The compiled catalog of ``locale`` (English messages are the msgids themselves)."""
    po_path = _LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return Translations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def gettext(locale: str, message: str) -> str:
    return translations(locale).gettext(message)


def negotiate(accept_language: str | None, default: str = DEFAULT_LOCALE) -> str:
    """The best of our locales for a browser's Accept-Language header."""
    if not accept_language:
        return default
    preferred: list[str] = []
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().replace("-", "_")
        if tag and tag != "*":
            preferred.append(tag)
    found = negotiate_locale(preferred, ["zh_CN", "zh", "en"], sep="_")
    if found is None:
        return default
    return "en" if found.startswith("en") else "zh_CN"


def normalize_locale(value: str | None) -> str | None:
    if not value:
        return None
    value = value.replace("-", "_")
    if value in LOCALES:
        return value
    if value.lower().startswith("zh"):
        return "zh_CN"
    if value.lower().startswith("en"):
        return "en"
    return None


def babel_locale(locale: str) -> Locale:
    return Locale.parse(locale)


def catalog_msgids(locale: str) -> Iterable[str]:
    """Every msgid the catalog of ``locale`` translates (used by the completeness test)."""
    po_path = _LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    return [str(m.id) for m in catalog if m.id and m.string]
