"""The reports' charts, drawn with matplotlib (Agg) as PNG, with a CJK font so Chinese labels
render (Noto Sans CJK or WenQuanYi Zen Hei from Debian; without one, labels fall back).
matplotlib is imported on the first chart, not when the application starts (it costs ~1 s)."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
_lock = threading.Lock()  # pyplot's state is global; the figures here are not, but fonts are
BLUE, RED, GREY, GREEN = "#1f5fa8", "#c0392b", "#95a5a6", "#27ae60"


@cache
def cjk_family() -> str | None:
    """Register the first CJK font found and return its family name."""
    import os

    from matplotlib import font_manager

    for path in CJK_FONT_FILES:
        if os.path.exists(path):
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    return None


def _figure(width: float = 7.0, height: float = 3.0) -> Figure:
    from matplotlib import rcParams
    from matplotlib.figure import Figure

    family = cjk_family()
    if family:
        rcParams["font.sans-serif"] = [family, "DejaVu Sans"]
        rcParams["font.family"] = "sans-serif"
    rcParams["axes.unicode_minus"] = False
    fig = Figure(figsize=(width, height), dpi=110)
    fig.set_layout_engine("constrained")
    return fig


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def bars(labels: Sequence[str], values: Sequence[float], title: str, *,
         horizontal: bool = False, color: str = BLUE) -> bytes:  # fmt: skip
    with _lock:
        fig = _figure(7, max(2.6, 0.28 * len(labels)) if horizontal else 3)
        ax = fig.add_subplot()
        if horizontal:
            ax.barh(list(labels)[::-1], list(values)[::-1], color=color)
        else:
            ax.bar(list(labels), list(values), color=color)
            if len(labels) > 12:
                ax.tick_params(axis="x", labelrotation=90, labelsize=7)
        ax.set_title(title)
        ax.grid(axis="x" if horizontal else "y", alpha=0.3)
        return _png(fig)


def against_targets(
    months: Sequence[str], series: Sequence[tuple[str, Sequence[float | None], float]]
) -> bytes:
    """Each (title, share by month, target share) as a line with its target dashed in red, in a
    grid of small charts."""
    with _lock:
        cols = 2
        rows = (len(series) + cols - 1) // cols
        fig = _figure(7.2, 2.5 * rows)
        for i, (title, values, target) in enumerate(series):
            ax = fig.add_subplot(rows, cols, i + 1)
            ys = [v * 100 if v is not None else float("nan") for v in values]
            ax.plot(list(months), ys, marker="o", color=BLUE)
            ax.axhline(target * 100, color=RED, linestyle="--", linewidth=1)
            ax.set_title(title, fontsize=10)
            digits = 1 if target >= 0.001 else 3
            ax.yaxis.set_major_formatter(_percent(digits))
            ax.tick_params(axis="x", labelrotation=45, labelsize=7)
            ax.tick_params(axis="y", labelsize=7)
            ax.grid(alpha=0.3)
        return _png(fig)


def _percent(digits: int) -> Callable[[float, float], str]:
    def label(value: float, _position: float) -> str:
        return f"{value:.{digits}f}%"

    return label


def lines(months: Sequence[str], series: dict[str, Sequence[float]], title: str) -> bytes:
    with _lock:
        fig = _figure(7, 3)
        ax = fig.add_subplot()
        for name, ys in series.items():
            ax.plot(list(months), list(ys), marker="o", label=name)
        ax.set_title(title)
        ax.legend(fontsize=7, ncols=4)
        ax.grid(alpha=0.3)
        return _png(fig)


def heat_map(rows: Sequence[str], columns: Sequence[str], grid: Sequence[Sequence[int]],
             title: str) -> bytes:  # fmt: skip
    with _lock:
        fig = _figure(6, max(2.2, 0.35 * len(rows) + 1))
        ax = fig.add_subplot()
        image = ax.imshow([list(r) for r in grid], cmap="YlOrRd", aspect="auto")
        ax.set_xticks(range(len(columns)), list(columns))
        ax.set_yticks(range(len(rows)), list(rows))
        top = max((max(r) for r in grid if r), default=0)
        for i, r in enumerate(grid):
            for j, v in enumerate(r):
                ax.text(j, i, f"{v:,}", ha="center", va="center", fontsize=7,
                        color="white" if top and v > top * 0.6 else "black")  # fmt: skip
        fig.colorbar(image, ax=ax)
        ax.set_title(title)
        return _png(fig)
