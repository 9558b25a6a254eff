"""The CJK font for PDFs (reports, labels): an embedded TrueType font when the system has one
(Debian's fonts-wqy-zenhei), else reportlab's built-in STSong-Light (not embedded: the viewer
must supply it, as most do)."""

from __future__ import annotations

import os
from functools import cache

TRUETYPE_CJK = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
)


@cache
def pdf_font() -> str:
    """Register the font once and return its name for reportlab."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    for path, index in TRUETYPE_CJK:
        if os.path.exists(path):
            pdfmetrics.registerFont(TTFont("ReportCJK", path, subfontIndex=index))
            return "ReportCJK"
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"
