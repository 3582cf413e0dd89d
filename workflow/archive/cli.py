"""`flask archive export|import`: a county's records handed on as one signed file."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from workflow.archive.tables import ArchiveError
from workflow.engine.errors import WorkflowError
from workflow.extensions import db

archive_cli = AppGroup("archive", help="县级档案移交（导出、导入）")


def _counts(tables: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in tables.items() if n)


@archive_cli.command("export")
@click.option("--place", "code", required=True, help="县代码，如 210323")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="档案文件，如 archive-210323-20260412.zip")
@click.option("--with-files", is_flag=True, help="同时打包证明材料文件（否则只列其 SHA-256）")
def archive_export(code: str, out: str, with_files: bool) -> None:
    """Write the county's archive (full personal data; recorded on its administration
    trail as the server command line)."""
    from workflow.archive.operations import export
    from workflow.audit import admin
    from workflow.jurisdictions.models import Jurisdiction

    place = db.session.execute(db.select(Jurisdiction).filter_by(code=code)).scalar_one_or_none()
    if place is None:
        raise click.ClickException(f"地区代码 {code} 不存在")
    try:
        result = export(place, out, admin.cli_actor(), with_files)
    except (ArchiveError, WorkflowError) as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"档案文件无法写入：{exc}") from exc
    click.echo(f"archive of {place.code} {place.name} written to {out}")
    click.echo(f"sha256 {result['sha256']}  audit key id {result['key_id']}  "
               f"schema {result['schema_revision']}")
    click.echo(f"rows: {_counts(result['tables'])}")
    if with_files:
        click.echo(f"evidence files: {result['evidence_files'] - len(result['missing_files'])}"
                   f" packed, {len(result['missing_files'])} missing")
    click.echo("it holds personal data (ID numbers, phones, bank accounts): hand it over "
               "sealed, with the audit key if the receiver is to keep the seals")


@archive_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--reseal", is_flag=True,
              help="档案以另一审计密钥封存时：核验后改以本系统密钥重新封存")
@click.option("--sender-key-file", type=click.Path(exists=True, dir_okay=False),
              help="移交方的审计密钥文件（--reseal 时必填）")
def archive_import(file: str, reseal: bool, sender_key_file: str | None) -> None:
    """Import a county's archive into this (new, empty, migrated) installation: all or
    nothing, then verified."""
    from workflow.archive.importer import import_archive, read_key_file

    try:
        sender_key = read_key_file(sender_key_file) if sender_key_file else None
        result = import_archive(file, reseal=reseal, sender_key=sender_key)
    except (ArchiveError, WorkflowError) as exc:
        raise click.ClickException(str(exc)) from exc
    place = result["place"]
    click.echo(f"imported the archive of {place.get('code')} {place.get('name')}: "
               f"{_counts(result['tables'])}")
    click.echo(f"seals: {'re-sealed under this installation' if result['resealed'] else 'kept'}"
               f" (sender's audit key id {result['sender_key_id']}); audit verify: 0 problems")
    if result["missing_files"]:
        click.echo(f"{result['missing_files']} evidence files are not in UPLOAD_FOLDER: copy "
                   "them from the sender (the archive lists each by SHA-256)")
    click.echo("imported users are inactive with no password: an administrator of this "
               "installation (flask users create NAME --role admin ...) re-enables (启用) and "
               "resets each one on /admin/users (or flask users reset-password NAME)")
    click.echo("next: run `flask audit checkpoint` now (checkpoints are per installation; "
               "the sender's do not travel)")


def init_app(app) -> None:
    app.cli.add_command(archive_cli)
