"""The two fonts every PDF uses, and how they are built from Debian's Noto CJK fonts.

WeasyPrint embeds a subset of each font a document uses. Subsetting Debian's 20 MB CFF
collections takes about 13 s per document; subsetting a font that already holds only
the ~7,800 glyphs the documents can need, with TrueType (glyf) outlines, takes
milliseconds. So the project ships two such fonts in ``workflow/documents/fonts/``:

- ``WF Song`` (宋体 style, body text): Noto Serif CJK SC Regular;
- ``WF Hei`` (黑体 style, titles and labels): Noto Sans CJK SC Bold.

Each holds GB2312 (7,445 characters), ASCII and Latin-1, general and CJK punctuation,
full-width forms, the rare name characters 堃 喆 赟 玥 昇 㛃 𠮷, and every character
used in the templates, the procedure and form YAML files and the code. A character
outside that set still prints: the stylesheet falls back to the system's Noto CJK font
(correct, only slower). ``flask documents build-font`` rebuilds both fonts (after a
new YAML file brings characters outside GB2312) and ``flask documents check-font``
verifies that every required character has a real glyph.

Licence: SIL Open Font License 1.1 (``fonts/OFL.txt``); the fonts are renamed, as the
licence asks of modified versions.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent / "fonts"
ROOT = Path(__file__).resolve().parents[2]
SYSTEM_FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/noto-cjk"),
                    Path("/usr/share/fonts/google-noto-cjk"))
RARE_NAME_CHARS = "堃喆赟玥昇㛃𠮷"
# Character ranges kept besides GB2312: ASCII, Latin-1, general punctuation, number
# forms, arrows, maths and geometric shapes used on forms, CJK punctuation, full-width
# forms. (Noto CJK has no ballot boxes ☐/☑: the build adds them, see _add_ballot_boxes.)
EXTRA_RANGES = ((0x20, 0x7E), (0xA0, 0xFF), (0x2010, 0x205E), (0x2100, 0x218F),
                (0x2190, 0x21FF), (0x2200, 0x22FF), (0x2460, 0x24FF), (0x25A0, 0x25FF),
                (0x2713, 0x2717), (0x3000, 0x303F), (0xFE30, 0xFE4F),
                (0xFF00, 0xFFEF))
# What the documents print: their templates, the definitions and the documents code...
PRINTED_GLOBS = ("templates/pdf/**/*.html", "templates/pdf/**/*.css", "states/*.yaml",
                 "forms/*.yaml", "workflow/documents/*.py")
# ...and, kept too though not required, every other template and module (demo names,
# messages), so that a rebuilt font covers whatever the code may hand to a document.
PROJECT_GLOBS = (*PRINTED_GLOBS, "templates/**/*.html", "workflow/**/*.py")


@dataclass(frozen=True)
class Face:
    """One shipped font: its CSS family, file, weight and the Noto collection it comes from."""

    family: str
    file: str
    weight: str
    source: str
    fallback: str

    @property
    def path(self) -> Path:
        return FONT_DIR / self.file


SONG = Face("WF Song", "WFSong-Regular.ttf", "normal", "NotoSerifCJK-Regular.ttc",
            "Noto Serif CJK SC")
HEI = Face("WF Hei", "WFHei-Bold.ttf", "bold", "NotoSansCJK-Bold.ttc", "Noto Sans CJK SC")
FACES = (SONG, HEI)


def gb2312_chars() -> set[str]:
    """Every character of GB2312 (rows 0xA1-0xF7, cells 0xA1-0xFE)."""
    chars = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def project_chars(root: Path = ROOT, globs: tuple[str, ...] = PRINTED_GLOBS) -> set[str]:
    """The non-ASCII characters written in the files matching ``globs`` under ``root``."""
    chars: set[str] = set()
    for pattern in globs:
        for path in root.glob(pattern):
            if ".venv" in path.parts:
                continue
            chars |= {c for c in path.read_text(encoding="utf-8", errors="ignore")
                      if ord(c) > 0x7F}
    return chars


def printable(chars: Iterable[str]) -> set[str]:
    """The characters that must show ink: no spaces, controls or private-use points."""
    return {c for c in chars if unicodedata.category(c) not in
            ("Zs", "Zl", "Zp", "Cc", "Cf", "Co", "Cn", "Mn")}


def required_chars(root: Path = ROOT) -> set[str]:
    """What every shipped font must draw: GB2312, the rare name characters, the project's."""
    return printable(gb2312_chars() | set(RARE_NAME_CHARS) | project_chars(root))


def font_chars(root: Path = ROOT) -> set[str]:
    """Everything a shipped font keeps (required characters plus the extra ranges)."""
    extra = {chr(c) for lo, hi in EXTRA_RANGES for c in range(lo, hi + 1)}
    return required_chars(root) | extra | project_chars(root, PROJECT_GLOBS)


def find_source(face: Face, source_dir: Path | None = None) -> tuple[Path, int]:
    """The Noto CJK collection for ``face`` and the index of its Simplified Chinese font."""
    from fontTools.ttLib import TTCollection

    dirs = (source_dir,) if source_dir else SYSTEM_FONT_DIRS
    for folder in dirs:
        path = Path(folder) / face.source
        if path.exists():
            collection = TTCollection(str(path), lazy=True)
            for index, font in enumerate(collection.fonts):
                family = font["name"].getDebugName(1) or ""
                if family.endswith("CJK SC") and "Mono" not in family:
                    return path, index
    raise FileNotFoundError(f"{face.source} not found in {', '.join(map(str, dirs))} "
                            "(install Debian's fonts-noto-cjk: bash scripts/setup.sh)")


def build_face(face: Face, chars: set[str], out_dir: Path = FONT_DIR,
               source_dir: Path | None = None) -> Path:
    """Subset ``face``'s Noto font to ``chars``, convert it to TrueType outlines, save it."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    source, index = find_source(face, source_dir)
    font = TTFont(str(source), fontNumber=index)
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.desubroutinize = True
    options.notdef_outline = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.drop_tables += ["VORG", "vhea", "vmtx", "GSUB", "GPOS", "BASE", "DSIG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in chars))
    subsetter.subset(font)
    _to_truetype(font)
    _add_ballot_boxes(font)
    _rename(font, face)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / face.file
    font.save(str(target))
    return target


def _to_truetype(font) -> None:
    """Replace the CFF outlines by quadratic glyf outlines (what makes WeasyPrint fast)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        # CFF contours run counter-clockwise, TrueType ones clockwise.
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    del font["CFF "]
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in ("maxPoints", "maxContours", "maxCompositePoints", "maxCompositeContours",
                 "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements",
                 "maxComponentDepth"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    maxp.numGlyphs = len(order)
    font["maxp"] = maxp
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0
    font.sfntVersion = "\x00\x01\x00\x00"


def _add_ballot_boxes(font) -> None:
    """Add ☐ (U+2610) and ☑ (U+2611), which Noto CJK lacks, made of its own □ and ✓.

    Tick boxes then print as text: far cheaper to lay out than a CSS box per tick.
    """
    from fontTools.pens.boundsPen import BoundsPen
    from fontTools.pens.transformPen import TransformPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    cmap = font.getBestCmap()
    box, tick = cmap[ord("□")], cmap[ord("✓")]
    glyphs = font.getGlyphSet()
    left, bottom, right, top = _bounds(glyphs, box, BoundsPen)
    t_left, t_bottom, t_right, t_top = _bounds(glyphs, tick, BoundsPen)
    margin = (right - left) * 0.16
    scale = min((right - left - 2 * margin) / (t_right - t_left),
                (top - bottom - 2 * margin) / (t_top - t_bottom))
    dx = (left + right) / 2 - (t_left + t_right) / 2 * scale
    dy = (bottom + top) / 2 - (t_bottom + t_top) / 2 * scale
    empty_pen, checked_pen = TTGlyphPen(None), TTGlyphPen(None)
    glyphs[box].draw(empty_pen)
    glyphs[box].draw(checked_pen)
    glyphs[tick].draw(TransformPen(checked_pen, (scale, 0, 0, scale, dx, dy)))
    order = font.getGlyphOrder()
    for name, pen, code in (("ballotbox", empty_pen, 0x2610),
                            ("ballotboxcheck", checked_pen, 0x2611)):
        order.append(name)
        font["glyf"].glyphs[name] = pen.glyph()
        font["hmtx"].metrics[name] = font["hmtx"].metrics[box]
        for table in font["cmap"].tables:
            if table.isUnicode():
                table.cmap[code] = name
    font.setGlyphOrder(order)
    font["glyf"].glyphOrder = order
    font["maxp"].numGlyphs = len(order)


def _bounds(glyphs, name: str, pen_class) -> tuple[float, float, float, float]:
    pen = pen_class(glyphs)
    glyphs[name].draw(pen)
    return pen.bounds


def _rename(font, face: Face) -> None:
    """New family names (the OFL asks modified versions not to keep the original's)."""
    name = font["name"]
    style = "Bold" if face.weight == "bold" else "Regular"
    postscript = face.family.replace(" ", "") + "-" + style
    for name_id, value in ((1, face.family), (2, style), (3, f"{postscript};subset"),
                           (4, f"{face.family} {style}"), (6, postscript)):
        name.removeNames(nameID=name_id)
        name.setName(value, name_id, 3, 1, 0x409)
        name.setName(value, name_id, 1, 0, 0)
    name.removeNames(nameID=16)
    name.removeNames(nameID=17)


def missing_glyphs(path: Path, chars: Iterable[str]) -> list[str]:
    """The characters of ``chars`` that ``path`` draws as .notdef or as an empty glyph."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(path))
    cmap = font.getBestCmap()
    glyf = font["glyf"]
    missing = []
    for char in sorted(chars):
        glyph_name = cmap.get(ord(char))
        if glyph_name in (None, ".notdef") or glyf[glyph_name].numberOfContours == 0:
            missing.append(char)
    return missing


def font_face_css() -> str:
    """@font-face rules for the shipped fonts (file URLs)."""
    rules = []
    for face in FACES:
        if face.path.exists():
            rules.append(f'@font-face {{ font-family: "{face.family}"; '
                         f'src: url("{face.path.as_uri()}"); font-weight: {face.weight}; }}')
    return "\n".join(rules)
