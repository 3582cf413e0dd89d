"""The shipped subset fonts draw every character a document may need (no .notdef)."""
from __future__ import annotations

from workflow.documents import fonts


def test_every_gb2312_and_rare_name_character_has_a_real_glyph():
    required = fonts.required_chars()
    assert len(fonts.gb2312_chars()) == 7445
    assert set(fonts.RARE_NAME_CHARS) <= required
    for face in fonts.FACES:
        assert face.path.exists(), f"{face.file} missing: flask documents build-font"
        missing = fonts.missing_glyphs(face.path, required)
        assert missing == [], f"{face.file} has no glyph for {''.join(missing[:50])}"


def test_the_tick_boxes_and_the_characters_of_the_templates_are_in_the_fonts():
    printed = fonts.printable(fonts.project_chars())  # templates/pdf, YAML, documents code
    assert {"☐", "☑", "〔", "〕", "（", "）"} <= printed
    for face in fonts.FACES:
        assert fonts.missing_glyphs(face.path, printed) == []


def test_the_fonts_are_small_renamed_truetype_with_the_licence_beside_them():
    from fontTools.ttLib import TTFont

    total = 0
    for face in fonts.FACES:
        font = TTFont(str(face.path))
        assert "glyf" in font and "CFF " not in font  # TrueType outlines: fast to subset
        assert font["name"].getDebugName(1) == face.family  # OFL: no reserved name kept
        total += face.path.stat().st_size
    assert total < 6_000_000
    licence = (fonts.FONT_DIR / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
