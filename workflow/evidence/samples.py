"""Small, valid example files (a JPEG photo, a one-page PDF) for the demo and the tests."""
from __future__ import annotations

import io

from PIL import Image, ImageDraw
from pypdf import PdfWriter


def sample_photo(color: tuple[int, int, int] | str = (150, 150, 150), label: str = "",
                 size: tuple[int, int] = (320, 240)) -> bytes:
    """A JPEG with a house outline on ``color``, and ``label`` written in the corner."""
    img = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(img)
    w, h = size
    draw.rectangle((w * 0.2, h * 0.4, w * 0.8, h * 0.9), outline=(60, 40, 20), width=3)
    draw.polygon([(w * 0.15, h * 0.4), (w * 0.5, h * 0.12), (w * 0.85, h * 0.4)],
                 outline=(120, 30, 20))
    if label:
        draw.text((8, 8), label, fill=(0, 0, 0))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=70)
    return out.getvalue()


def blank_pdf() -> bytes:
    """A valid one-page A4 PDF (a stand-in for a scanned certificate)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
