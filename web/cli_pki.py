"""`motcua pki …`: the local development PKI and officers' signing keys."""

from __future__ import annotations

import sys

import click
from sqlalchemy import select

from connectors import organisation_keys
from engine import config
from engine.db import transaction
from engine.models import User
from signing import PkiError, SigningLibraryError, load_pki, open_pkcs11_signer

from . import signing_keys
from .services import factory


@click.group("pki")
def pki_group() -> None:
    """Local PKI (root CA, issuing CA, timestamp authority, OCSP, CRLs), officers' and
    agencies' keys."""


@pki_group.command("init")
@click.option("--organisation", default="motcua", show_default=True,
              help="Organisation named in the CA certificates.")
def pki_init(organisation: str) -> None:
    """Create the PKI under the instance folder (running it again changes nothing)."""
    pki = signing_keys.init(organisation)
    click.echo(f"PKI in {config.pki_dir()}")
    click.echo(f"  root CA     {pki.root.cert.subject.rfc4514_string()}")
    click.echo(f"  issuing CA  {pki.issuing.cert.subject.rfc4514_string()}")
    click.echo(f"  TSA, OCSP and CRLs served by the web app at {config.public_url()}/pki")


@pki_group.command("issue")
@click.argument("username")
@click.option("--organisation", required=True, help="e.g. 'Ủy ban nhân dân phường Hoàn Kiếm'.")
@click.option("--title", help="e.g. 'Phó Chủ tịch'.")
@click.option("--agency", help="The agency code (as in procedure.toml) of one more agency the "
              "officer signs for; the certificate's organisation must be that agency's name.")
@click.option("--passphrase-stdin", is_flag=True, help="Read the passphrase from standard input.")
def pki_issue(username: str, organisation: str, title: str | None, agency: str | None,
              passphrase_stdin: bool) -> None:
    """Issue USERNAME a signing certificate and an encrypted PKCS#12 key file."""
    if passphrase_stdin:
        passphrase = sys.stdin.readline().rstrip("\n")
    else:
        passphrase = click.prompt("Passphrase for the key", hide_input=True,
                                  confirmation_prompt=True)
    if len(passphrase) < 8:
        click.secho("refused: the passphrase needs at least 8 characters", fg="red", err=True)
        sys.exit(1)
    with transaction(factory()) as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            click.secho(f"no user {username!r}", fg="red", err=True)
            sys.exit(1)
        slug = signing_keys.key_slug(username, agency)
        if signing_keys.has_key(username, agency):
            click.secho(f"{slug} already has a key ({signing_keys.key_path(slug)})",
                        fg="red", err=True)
            sys.exit(1)
        try:
            path = signing_keys.issue(user, passphrase, organisation, title, agency)
        except PkiError as exc:
            click.secho(f"refused: {exc}", fg="red", err=True)
            sys.exit(1)
    click.echo(f"key for {slug}: {path}")


@pki_group.command("organisation")
@click.argument("agency")
@click.option("--name", help="The agency's full name, e.g. 'Ủy ban nhân dân phường Hoàn Kiếm'.")
@click.option("--pkcs11-module", type=click.Path(exists=True, dir_okay=False),
              help="Use the agency's key on a PKCS#11 token or HSM (path of its library).")
@click.option("--token", "token_label", help="With --pkcs11-module: the token's label.")
@click.option("--key-label", help="With --pkcs11-module: the key's (and certificate's) label.")
@click.option("--pin-stdin", is_flag=True, help="With --pkcs11-module: read the user PIN from stdin.")
def pki_organisation(agency: str, name: str | None, pkcs11_module: str | None,
                     token_label: str | None, key_label: str | None, pin_stdin: bool) -> None:
    """Issue AGENCY (its code in procedure.toml, e.g. UBND-PHK) its own signing key, with
    which results are signed after the officer (its passphrase is random and sealed);
    or, with --pkcs11-module, sign as AGENCY with a key kept on a token."""
    if pkcs11_module:
        if not (token_label and key_label and pin_stdin):
            raise click.UsageError("--pkcs11-module needs --token, --key-label and --pin-stdin")
        pin = sys.stdin.readline().rstrip("\n")
        try:  # the token must open with this PIN and hold the key now, not at the first result
            with open_pkcs11_signer(pkcs11_module, pin=pin, token_label=token_label,
                                    key_label=key_label):
                pass
        except SigningLibraryError as exc:
            click.secho(f"refused: {exc}", fg="red", err=True)
            sys.exit(1)
        path = organisation_keys.use_token(agency, pkcs11_module, token_label, key_label, pin)
        click.echo(f"{agency} signs with key {key_label!r} on token {token_label!r} ({path})")
        return
    if not name:
        raise click.UsageError("--name is needed to issue a key")
    if organisation_keys.has_key(agency):
        click.echo(f"{agency} already has a key ({organisation_keys.key_path(agency)})")
        return
    try:
        path = organisation_keys.issue(agency, name)
    except PkiError as exc:
        click.secho(f"refused: {exc}", fg="red", err=True)
        sys.exit(1)
    click.echo(f"key for {agency} ({name}): {path}")


@pki_group.command("revoke")
@click.argument("username")
@click.option("--reason", default="key_compromise", show_default=True,
              help="key_compromise, affiliation_changed, superseded, cessation_of_operation")
def pki_revoke(username: str, reason: str) -> None:
    """Revoke USERNAME's certificate (the CRL and OCSP answers change at once)."""
    try:
        pki = load_pki(config.pki_dir())
        cert = next(o.certificate for o in pki.officers() if o.slug == username)
        when = pki.revoke(cert, reason)
    except StopIteration:
        click.secho(f"{username} has no certificate", fg="red", err=True)
        sys.exit(1)
    except PkiError as exc:
        click.secho(f"refused: {exc}", fg="red", err=True)
        sys.exit(1)
    click.echo(f"{username}'s certificate revoked at {when:%d/%m/%Y %H:%M:%S} UTC ({reason})")


@pki_group.command("list")
def pki_list() -> None:
    """Officers' certificates: subject, validity, revoked or not."""
    pki = load_pki(config.pki_dir())
    for officer in pki.officers():
        cert = officer.certificate
        revoked = pki.revocation_of(cert)
        state = f"revoked {revoked.date:%d/%m/%Y}" if revoked else "valid"
        click.echo(f"{officer.slug:16} {officer.name:28} until {cert.not_valid_after_utc:%d/%m/%Y}"
                   f"  {state}")



