"""``flask documents ...``: build and check the shipped fonts; print one case's sheet."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask.cli import AppGroup

from workflow.documents import fonts

documents_cli = AppGroup("documents", help="文书（审批表、公示、公告、档案封面）")


@documents_cli.command("build-font")
@click.option("--source-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="folder holding NotoSerifCJK-Regular.ttc and NotoSansCJK-Bold.ttc "
                   "(default: Debian's fonts-noto-cjk)")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path),
              default=fonts.FONT_DIR, show_default=True)
def build_font(source_dir: Path | None, out_dir: Path) -> None:
    """Subset Noto CJK to what the documents need, as TrueType (takes about a minute)."""
    chars = fonts.font_chars()
    click.echo(f"{len(chars)} characters ({len(fonts.required_chars())} required)")
    for face in fonts.FACES:
        started = time.perf_counter()
        path = fonts.build_face(face, chars, out_dir, source_dir)
        missing = fonts.missing_glyphs(path, fonts.required_chars())
        click.echo(f"ok  {path} {path.stat().st_size / 1e6:.1f} MB "
                   f"{time.perf_counter() - started:.0f} s, missing: {''.join(missing) or 'none'}")
        if missing:
            sys.exit(1)


@documents_cli.command("check-font")
def check_font() -> None:
    """Exit 1 unless every required character has a real glyph in both fonts."""
    required = fonts.required_chars()
    failed = False
    for face in fonts.FACES:
        if not face.path.exists():
            click.echo(f"missing {face.path}: run `flask documents build-font`", err=True)
            failed = True
            continue
        missing = fonts.missing_glyphs(face.path, required)
        if missing:
            click.echo(f"{face.file}: no glyph for {''.join(missing)} — run "
                       "`flask documents build-font`", err=True)
            failed = True
        else:
            click.echo(f"ok  {face.file}: {len(required)} characters")
    if failed:
        sys.exit(1)


@documents_cli.command("sheet")
@click.argument("case_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--base-url", default=None,
              help="verification address printed (default: WORKFLOW_PUBLIC_BASE_URL)")
def sheet(case_id: int, output: Path, base_url: str | None) -> None:
    """Write one case's approval sheet to OUTPUT (no scope check: an admin's tool)."""
    from flask import current_app

    from workflow.cases.models import Case
    from workflow.documents import content, render, verify
    from workflow.extensions import db

    base_url = verify.checked_public_address(base_url) or current_app.config.get(
        "PUBLIC_BASE_URL")
    if not base_url:
        raise click.ClickException("set WORKFLOW_PUBLIC_BASE_URL or give --base-url: the "
                                   "sheet prints the public verification address")

    case = db.session.get(Case, case_id)
    if case is None:
        raise click.ClickException(f"no case {case_id}")
    context = content.sheet_context(case, base_url)
    output.write_bytes(render.pdf(content.sheet_template(context["definition"]), **context))
    click.echo(f"wrote {output}")
