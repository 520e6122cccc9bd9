"""``flask --app wsgi consult …``: the platform admin's commands.

Passwords are read from a prompt or from standard input, never from the command line (where
they would stay in the shell history and the process list).
"""

from __future__ import annotations

import os
import sys
from importlib.metadata import version
from pathlib import Path
from typing import TextIO

import click
from flask import Flask, url_for
from flask.cli import AppGroup
from sqlalchemy import select, text

from consult import backup, demo, jobs
from consult.accounts import services as accounts
from consult.accounts.permissions import Role
from consult.audit import services as audit
from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.errors import ConsultError
from consult.extensions import db
from consult.respond import services as respond
from consult.sealed import crypto, unsealing
from consult.sealed import services as sealed
from consult.sealed.keygen import _write_new as write_new
from consult.sealed.unseal import Tally
from consult.settings import current_settings

group = AppGroup("consult", help="Administer this consult instance.")


def init_app(app: Flask) -> None:
    app.cli.add_command(group)


def _fail(error: ConsultError) -> None:
    db.session.rollback()
    raise click.ClickException(str(error.message))


def _read_password() -> str:
    if sys.stdin.isatty():
        password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        return password
    return sys.stdin.readline().rstrip("\n")


@group.command("create-organisation")
@click.argument("slug")
@click.argument("name")
def create_organisation(slug: str, name: str) -> None:
    """Create an organisation with a short SLUG (used in URLs) and its NAME."""
    try:
        accounts.create_organisation(slug, name)
    except ConsultError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Created organisation {slug}.")


@group.command("create-user")
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--organisation", "organisation_slug", help="Slug of the organisation to join.")
@click.option("--roles", default="", help="Comma-separated: " + ", ".join(Role))
@click.option("--locale", default="en", show_default=True)
def create_user(
    email: str, name: str, organisation_slug: str | None, roles: str, locale: str
) -> None:
    """Create an account; the password is read from a prompt or standard input."""
    from consult.accounts.models import Organisation

    try:
        wanted = [Role(role.strip()) for role in roles.split(",") if role.strip()]
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--roles") from None
    organisation = None
    if organisation_slug:
        organisation = db.session.scalar(
            db.select(Organisation).where(Organisation.slug == organisation_slug)
        )
        if organisation is None:
            raise click.BadParameter("no such organisation", param_hint="--organisation")
        if not wanted:
            raise click.BadParameter("give at least one role", param_hint="--roles")
    try:
        user = accounts.create_user(email, name, _read_password(), locale)
        if organisation is not None:
            accounts.add_member(organisation, user, wanted)
    except ConsultError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Created user {user.email}.")


@group.command("reset-link")
@click.argument("email")
def reset_link(email: str) -> None:
    """Print a single-use link with which EMAIL can choose a new password."""
    user = accounts.find_user(email)
    if user is None:
        raise click.ClickException("No account has this address.")
    token = accounts.issue_reset_link(user)
    db.session.commit()
    click.echo(_external("accounts.reset_password", token=token))


@group.command("demo")
@click.option("--if-empty", is_flag=True, help="Only load into an empty database.")
@click.option("--remove", is_flag=True, help="Delete the demo data instead.")
def load_demo(if_empty: bool, remove: bool) -> None:
    """Load a clearly labelled, fictional demo organisation (development only)."""
    if remove:
        demo.remove()
        audit.record("demo.removed", "organisation:demo")
        db.session.commit()
        click.echo("Demo data removed.")
        return
    if current_settings().is_production:
        raise click.ClickException("The demo is for development; this instance is production.")
    if demo.is_loaded() or (if_empty and not demo.database_is_empty()):
        click.echo("The database already has data; demo not loaded.")
        return
    loaded = demo.load()
    db.session.commit()
    click.echo(f"Demo loaded: organisation '{loaded.organisation.name}'.")
    click.echo(
        f"Sign in at {_external('accounts.login')} with one of these accounts "
        f"(password: {demo.PASSWORD}):"
    )
    for email, name, roles in loaded.accounts:
        click.echo(f"  {email:28} {name:18} {', '.join(roles)}")
    click.echo(f"{respond.total(loaded.consultation)} demo responses.")
    click.echo("Shares of the demo key ceremony (2 of 3 open the sealed answers):")
    for email, share in loaded.shares:
        click.echo(f"  {email}: {share}")
    if loaded.published is not None:
        slug = loaded.published.slug
        click.echo(f"A published report: {_external('reports.page', lang='en', slug=slug)}")
        click.echo(f"The observatory: {_external('observatory.index', lang='en')}")


@group.command("audit-verify")
def audit_verify() -> None:
    """Recompute the audit log's hash chain; exit 1 and list the breaks if it was altered."""
    result = audit.verify()
    for problem in result.problems:
        click.echo(f"BROKEN at event {problem.seq} ({problem.kind}): {problem.text}", err=True)
    click.echo(f"Events: {result.count}")
    click.echo(f"Head: event {result.head_seq}, hash {result.head_hash}")
    if not result.intact:
        raise click.ClickException(
            f"The audit log has been altered ({len(result.problems)} problem(s))."
        )
    click.echo("The chain is intact.")


@group.command("purge")
@click.option("--dry-run", is_flag=True, help="Say what is due, delete nothing.")
def purge(dry_run: bool) -> None:
    """Delete the sealed envelopes whose retention period has ended (run it daily from cron).

    Each consultation keeps its envelopes a set number of days after unsealing; each deletion
    is recorded in the audit log with the number of envelopes and the digest of the set.
    """
    from consult.retention import services as retention

    done = retention.purge_due()
    for purged in done:
        click.echo(
            f"{purged.slug}: {purged.envelopes} envelope(s), {purged.held} held, "
            f"digest {purged.digest}"
        )
    if dry_run:
        db.session.rollback()
        click.echo(f"Due: {len(done)} consultation(s). Nothing was deleted (--dry-run).")
        return
    db.session.commit()
    click.echo(f"Envelopes deleted for {len(done)} consultation(s).")


def _external(endpoint: str, **values: str) -> str:
    base = current_settings().base_url.rstrip("/")
    from flask import current_app

    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)


def _consultation(slug: str) -> Consultation:
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    if consultation is None:
        raise click.ClickException("No consultation has this address.")
    return consultation


@group.command("envelopes-export")
@click.argument("slug")
@click.option("--out", type=click.File("w"), default="-", help="File to write (default: stdout).")
def envelopes_export(slug: str, out: TextIO) -> None:
    """Write a closed consultation's envelopes for consult-open (no shares, no plaintext)."""
    try:
        for line in unsealing.export_lines(_consultation(slug)):
            out.write(line + "\n")
    except ConsultError as error:
        _fail(error)


@group.command("envelopes-import")
@click.argument("slug")
@click.argument("opened", type=click.File("r", encoding="utf-8"))
def envelopes_import(slug: str, opened: TextIO) -> None:
    """Store the answers consult-open wrote for SLUG, after checking they are of its envelopes."""
    try:
        tally = unsealing.import_opened(_consultation(slug), opened, None)
    except ConsultError as error:
        _fail(error)
    db.session.commit()
    _print_tally(tally)


@group.command("unseal")
@click.argument("slug")
def unseal(slug: str) -> None:
    """Open SLUG's envelopes here; k shares are read from a prompt or standard input."""
    consultation = _consultation(slug)
    key = sealed.sealing_key(consultation)
    if key is None:
        raise click.ClickException("This consultation has no key.")
    try:
        tally = unsealing.unseal(consultation, _read_shares(key.threshold), None)
    except ConsultError as error:
        _fail(error)
    db.session.commit()
    _print_tally(tally)


def _read_shares(count: int) -> list[str]:
    if sys.stdin.isatty():
        return [click.prompt(f"Share {n} of {count}", hide_input=True) for n in range(1, count + 1)]
    return [sys.stdin.readline() for _ in range(count)]


def _print_tally(tally: Tally) -> None:
    click.echo(
        f"Received {tally.received}, opened {tally.opened}, rejected {tally.rejected}, "
        f"held for review {tally.held}."
    )


@group.command("worker")
@click.option("--burst", is_flag=True, help="Run the jobs waiting now, then stop.")
def worker(burst: bool) -> None:
    """Run queued jobs (PDF rendering) from Redis; needs CONSULT_REDIS_URL."""
    from flask import current_app
    from redis import Redis
    from rq import Worker

    settings = current_settings()
    if not settings.redis_url:
        raise click.ClickException("Set CONSULT_REDIS_URL: without it, jobs run inline.")
    jobs.worker_app = current_app._get_current_object()  # type: ignore[attr-defined]
    connection = Redis.from_url(settings.redis_url)
    Worker([jobs.QUEUE], connection=connection).work(burst=burst)


# Backups -----------------------------------------------------------------------------------

NEW_FILE = click.Path(dir_okay=False, writable=True, path_type=Path)
OLD_FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)


@group.command("backup-key")
@click.option("--private-out", type=NEW_FILE, required=True, help="Private key file to create.")
@click.option("--public-out", type=NEW_FILE, help="Also write the public key to this file.")
def backup_key(private_out: Path, public_out: Path | None) -> None:
    """Make a backup key pair: the private key goes offline, the public key to the server."""
    keys = crypto.generate_keypair()
    try:
        write_new(private_out, backup.private_key_text(keys), 0o600)
        if public_out is not None:
            write_new(public_out, backup.public_key_text(keys.public), 0o644)
    except FileExistsError as error:
        raise click.ClickException(f"Refusing to overwrite {error.filename}.") from None
    click.echo(f"Backup key {crypto.key_id(keys.public)}.")
    click.echo(f"Private key written to {private_out}: move it offline (two copies), then")
    click.echo("delete it from this machine. Without it no backup can be restored.")
    click.echo("Set this in the server's environment:")
    click.echo(f"CONSULT_BACKUP_PUBLIC_KEY={backup.encode_key(keys.public)}")


@group.command("backup")
@click.option("--out", type=NEW_FILE, required=True, help="Backup file to create.")
@click.option(
    "--public-key",
    "public_key_file",
    type=OLD_FILE,
    help="Backup public key file (default: CONSULT_BACKUP_PUBLIC_KEY).",
)
def backup_database(out: Path, public_key_file: Path | None) -> None:
    """Write an encrypted backup of the database, while the app runs."""
    url = current_settings().database_url
    try:
        public = _backup_public_key(public_key_file)
        header = backup.Header(
            database=backup.database_kind(url),
            created_on=utcnow().date().isoformat(),
            app_version=version("consult"),
            migration_head=_migration_head(),
            key_id=crypto.key_id(public),
        )
        db.session.remove()  # no transaction of ours stays open while the copy is made
        size = _write_backup(url, out, public, header)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    details = {"key_id": header.key_id, "migration_head": header.migration_head, "bytes": size}
    audit.record("backup.created", f"database:{header.database}", details=details)
    db.session.commit()
    click.echo(f"Backup of the {header.database} database written to {out} ({size} bytes),")
    click.echo(f"encrypted to backup key {header.key_id}.")


def _backup_public_key(path: Path | None) -> bytes:
    if path is not None:
        return backup.read_public_key(path.read_text(encoding="utf-8"))
    configured = current_settings().backup_public_key
    if not configured:
        raise backup.BackupError(
            "No backup key: set CONSULT_BACKUP_PUBLIC_KEY (see `flask consult backup-key`) "
            "or give --public-key."
        )
    return backup.read_public_key(configured)


def _migration_head() -> str:
    return db.session.scalar(text("SELECT version_num FROM alembic_version")) or ""


def _write_backup(url: str, out: Path, public: bytes, header: backup.Header) -> int:
    """Write to a ``.partial`` file renamed when complete: a file named ``out`` is whole."""
    if out.exists():
        raise backup.BackupError(f"Refusing to overwrite {out}.")
    partial = out.with_name(out.name + ".partial")
    try:
        with partial.open("xb") as stream:
            backup.backup(url, stream, public, header)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return out.stat().st_size


@group.command("restore")
@click.option("--from", "source", type=OLD_FILE, required=True, help="Backup file.")
@click.option("--key", "key_file", type=OLD_FILE, required=True, help="Backup private key file.")
@click.option("--force", is_flag=True, help="Replace a database that holds data.")
def restore_database(source: Path, key_file: Path, force: bool) -> None:
    """Replace the database with a backup (stop the app first). The whole file is checked
    before the database is touched."""
    url = current_settings().database_url
    try:
        private = backup.read_private_key(key_file.read_text(encoding="utf-8"))
        if not force and backup.has_data(db.engine, db.metadata):
            raise backup.TargetNotEmpty(
                "The database holds data; give --force to replace it with the backup."
            )
        db.session.remove()
        db.engine.dispose()  # no pooled connection may hold the old database open
        header = backup.restore(url, source, private)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    del private
    details = {
        "key_id": header.key_id,
        "backup_created_on": header.created_on,
        "migration_head": header.migration_head,
    }
    audit.record("backup.restored", f"database:{header.database}", details=details)
    db.session.commit()
    click.echo(
        f"Restored the backup of {header.created_on} (consult {header.app_version}, "
        f"migration {header.migration_head})."
    )
    click.echo("Run `flask --app wsgi db upgrade` before starting the app.")
