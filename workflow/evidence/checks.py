"""What an upload really is, judged by its content (Pillow for images, pypdf for PDF).

The name and the browser's declared type are only claims: a file whose content is not
a JPEG or PNG image or a PDF is refused, and so is one whose claim disagrees with it.
"""
from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

from workflow.engine.errors import Invalid

# content type -> (Pillow format or "PDF", extensions that may claim it, title)
ACCEPTED = {
    "image/jpeg": ("JPEG", (".jpg", ".jpeg"), "JPEG 图片"),
    "image/png": ("PNG", (".png",), "PNG 图片"),
    "application/pdf": ("PDF", (".pdf",), "PDF 文件"),
}
MAX_PIXELS = 60_000_000  # a 12000 x 5000 scan; larger is a decompression bomb


@dataclass
class Checked:
    content_type: str
    filename: str


def _refuse(message: str) -> Invalid:
    return Invalid("上传的文件不符合要求", {"file": [message]})


def clean_filename(name: str | None) -> str:
    """The uploader's file name without folders or control characters, at most 100 chars."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in base if c.isprintable() and c not in '<>:"|?*').strip(" .")
    return (base or "未命名")[-100:]


def _sniff(data: bytes) -> str:
    """The content type the bytes really are, or a refusal naming what is wrong."""
    from PIL import Image
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if data.startswith(b"%PDF-"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pages = len(PdfReader(io.BytesIO(data)).pages)
        except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
            raise _refuse("「文件」不是完整有效的 PDF") from exc
        if pages < 1:
            raise _refuse("「文件」是没有页面的 PDF")
        return "application/pdf"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                fmt, (width, height) = img.format, img.size
                if width * height > MAX_PIXELS:
                    raise _refuse("「文件」图片像素过大，请压缩后上传")
                img.verify()
    except Invalid:
        raise
    except Exception as exc:  # Pillow raises many kinds for broken input
        raise _refuse("「文件」不是有效的图片或 PDF：只接受 JPEG、PNG 图片和 PDF 文件") from exc
    for content_type, (pil_format, _, _) in ACCEPTED.items():
        if fmt == pil_format:
            return content_type
    raise _refuse(f"「文件」是 {fmt} 格式：只接受 JPEG、PNG 图片和 PDF 文件")


def check_upload(data: bytes, filename: str | None, declared_type: str | None,
                 max_bytes: int) -> Checked:
    """Accept the bytes only if they are an image or PDF matching what they claim to be."""
    if not data:
        raise _refuse("「文件」是空文件")
    if len(data) > max_bytes:
        raise _refuse(f"「文件」超过 {max_bytes // (1024 * 1024)} MB，请压缩后上传")
    name = clean_filename(filename)
    actual = _sniff(data)
    _, extensions, title = ACCEPTED[actual]
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    claimed_by_name = next((t for t, (_, exts, _) in ACCEPTED.items() if suffix in exts), None)
    if suffix and claimed_by_name is None:
        raise _refuse(f"「文件」扩展名 {suffix} 不被接受：只接受 .jpg、.png、.pdf")
    if claimed_by_name and claimed_by_name != actual:
        raise _refuse(f"「文件」扩展名为 {suffix}，但内容是{title}，与扩展名不符")
    declared = (declared_type or "").split(";")[0].strip().lower()
    if declared in ACCEPTED and declared != actual:
        raise _refuse(f"「文件」声明为{ACCEPTED[declared][2]}，但内容是{title}")
    if not suffix:
        name += extensions[0]
    return Checked(content_type=actual, filename=name)
