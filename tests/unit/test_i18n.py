import re
from pathlib import Path

from expressdesk import i18n
from expressdesk.enums import STATUS_LABELS, Role

SRC = Path(__file__).resolve().parents[2] / "src" / "expressdesk"
TEMPLATE_CALL = re.compile(r"""_\((?:"([^"]+)"|'([^']+)')\)""")
PYTHON_CALL = re.compile(r"""translate\(request, "([^"]+)"\)""")


def _used_messages() -> set[str]:
    found: set[str] = set()
    for path in (SRC / "web" / "templates").rglob("*.html"):
        found |= {a or b for a, b in TEMPLATE_CALL.findall(path.read_text(encoding="utf-8"))}
    for path in SRC.rglob("*.py"):
        found |= set(PYTHON_CALL.findall(path.read_text(encoding="utf-8")))
    found |= set(STATUS_LABELS.values())
    found |= {r.value.capitalize() for r in Role}
    return found


def test_every_message_shown_to_people_has_a_chinese_translation() -> None:
    translated = set(i18n.catalog_msgids("zh_CN"))
    missing = sorted(_used_messages() - translated)
    assert not missing, f"add these to zh_CN/messages.po: {missing}"


def test_language_follows_the_browser() -> None:
    assert i18n.negotiate("en-US,en;q=0.9") == "en"
    assert i18n.negotiate("zh-CN,zh;q=0.9,en;q=0.8") == "zh_CN"
    assert i18n.negotiate(None) == "zh_CN"
    assert i18n.negotiate("fr-FR", default="en") == "en"


def test_chinese_catalog_translates() -> None:
    assert i18n.gettext("zh_CN", "Waybills") == "运单"
    assert i18n.gettext("en", "Waybills") == "Waybills"
