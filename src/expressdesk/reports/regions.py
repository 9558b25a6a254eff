"""China's provinces grouped into the seven regions reports compare (华北, 东北, 华东, 华中, 华南,
西南, 西北), with Hong Kong, Macao and Taiwan apart."""

from __future__ import annotations

REGIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "north": ("华北", "North", ("北京", "天津", "河北", "山西", "内蒙古")),
    "northeast": ("东北", "Northeast", ("辽宁", "吉林", "黑龙江")),
    "east": ("华东", "East", ("上海", "江苏", "浙江", "安徽", "福建", "江西", "山东")),
    "central": ("华中", "Central", ("河南", "湖北", "湖南")),
    "south": ("华南", "South", ("广东", "广西", "海南")),
    "southwest": ("西南", "Southwest", ("重庆", "四川", "贵州", "云南", "西藏")),
    "northwest": ("西北", "Northwest", ("陕西", "甘肃", "青海", "宁夏", "新疆")),
    "hmt": ("港澳台", "HK, Macao, Taiwan", ("香港", "澳门", "台湾")),
}

_BY_PREFIX = {p: key for key, (_, _, provinces) in REGIONS.items() for p in provinces}


def region_of(province: str | None) -> str:
    """The region key of a province, written short (浙江) or in full (浙江省); 'other' if unknown."""
    if not province:
        return "other"
    for prefix, key in _BY_PREFIX.items():
        if province.startswith(prefix):
            return key
    return "other"


def region_label(key: str, locale: str) -> str:
    if key not in REGIONS:
        return "其他" if locale.startswith("zh") else "Other"
    zh, en, _ = REGIONS[key]
    return zh if locale.startswith("zh") else en
