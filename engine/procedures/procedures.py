"""Deploying bundles as immutable versions, and loading a version to run."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from threading import Lock

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import database_key
from ..errors import BundleInvalid, BundleProblem, NotFound
from ..models import Procedure as ProcedureRow
from ..models import ProcedureVersion, utcnow
from . import operators as operator_registry
from .bundle import (
    BPMN_FILE,
    LOCK_FILE,
    MESSAGE_STARTS,
    Bundle,
    Procedure,
    called_elsewhere,
    load_bundle,
    validate,
)


@dataclass(frozen=True)
class DeployResult:
    code: str
    version: int
    content_hash: str
    created: bool


def bundle_dirs(path: Path) -> list[Path]:
    """A bundle folder itself, or every bundle folder under a parent folder."""
    path = Path(path)
    if (path / "procedure.toml").exists() or (path / "procedure.bpmn").exists():
        return [path]
    return sorted(p for p in path.iterdir() if p.is_dir() and (p / "procedure.toml").exists())


def deploy(
    session: Session,
    bundle: Bundle,
    deployed_by: str | None = None,
    operators: Collection[str] | None = None,
) -> DeployResult:
    """Validate a bundle and store it as a new version if its content is new."""
    ops = operator_registry.registered() if operators is None else operators
    bundle, shared = _pinned(session, bundle)
    content_hash = bundle.content_hash
    procedure = _validated(bundle, content_hash, frozenset(ops), shared)
    _check_message_starts(session, bundle.code, procedure)
    try:
        with session.begin_nested():
            return _store(session, bundle, procedure, content_hash, deployed_by)
    except IntegrityError:
        # the same content (or the same new procedure) stored by someone else meanwhile:
        # theirs stands, and this deploy finds it
        with session.begin_nested():
            return _store(session, bundle, procedure, content_hash, deployed_by)


def _pinned(session: Session, bundle: Bundle) -> tuple[Bundle, dict[str, Procedure]]:
    """The bundle with LOCK_FILE naming the newest version of each shared sub-procedure
    it calls (what an analyst's bundle says there is replaced), and those versions."""
    files = {path: text for path, text in bundle.files.items() if path != LOCK_FILE}
    lock: dict[str, dict[str, object]] = {}
    shared: dict[str, Procedure] = {}
    for code in called_elsewhere(bundle):
        try:
            version = latest_version(session, code)
        except NotFound:
            continue  # validation says the called process is nowhere
        lock[code] = {"version": version.version, "content_hash": version.content_hash}
        shared[code] = load_version(session, version.id)
    if lock:
        files[LOCK_FILE] = json.dumps(lock, indent=2, sort_keys=True) + "\n"
    return Bundle(bundle.code, files), shared


def _check_message_starts(session: Session, code: str, procedure: Procedure) -> None:
    """A message starts one procedure only: another procedure starting on the same
    message name is refused."""
    problems = []
    for name in procedure.settings.get(MESSAGE_STARTS, []):
        other = version_starting_on(session, name)
        if other is not None and other.procedure.code != code:
            problems.append(BundleProblem(
                BPMN_FILE, f"the message {name!r} already starts the procedure "
                           f"{other.procedure.code!r}: a message starts one procedure only"))
    if problems:
        raise BundleInvalid(code, problems)


def version_starting_on(session: Session, name: str) -> ProcedureVersion | None:
    """The newest version of the procedure whose newest version starts on the message
    `name` (a message start event), if one does."""
    newest: dict[int, tuple[int, dict[str, object]]] = {}
    for version_id, procedure_id, settings in session.execute(
            select(ProcedureVersion.id, ProcedureVersion.procedure_id, ProcedureVersion.settings)
            .order_by(ProcedureVersion.version)):
        newest[procedure_id] = (version_id, settings or {})
    for version_id, settings in newest.values():
        starts = settings.get(MESSAGE_STARTS)
        if starts is None:  # stored before the key was derived
            starts = load_version(session, version_id).settings.get(MESSAGE_STARTS, [])
        if name in starts:  # type: ignore[operator]
            return session.get(ProcedureVersion, version_id)
    return None


def _shared_of(session: Session, files: dict[str, str]) -> dict[str, Procedure]:
    """The pinned versions of the shared sub-procedures a stored version calls."""
    if LOCK_FILE not in files:
        return {}
    shared: dict[str, Procedure] = {}
    for code, pin in json.loads(files[LOCK_FILE]).items():
        version = session.scalar(
            select(ProcedureVersion).join(ProcedureRow)
            .where(ProcedureRow.code == code, ProcedureVersion.version == pin["version"]))
        if version is None or version.content_hash != pin["content_hash"]:
            raise NotFound(f"the pinned version {pin['version']} of the shared sub-procedure "
                           f"{code!r} is missing or changed", procedure=code)
        shared[code] = load_version(session, version.id)
    return shared


@dataclass(frozen=True)
class CallerUpdate:
    code: str  # the calling procedure
    pinned: int  # the sub-procedure's version it calls now
    newest: int  # the sub-procedure's newest version


def callers_behind(session: Session, code: str) -> list[CallerUpdate]:
    """The procedures whose newest version calls an older version of the shared
    sub-procedure `code` than its newest."""
    newest = latest_version(session, code).version
    behind: list[CallerUpdate] = []
    for version in _newest_versions(session):
        pins = json.loads(version.files.get(LOCK_FILE, "{}"))
        if code in pins and pins[code]["version"] < newest:
            behind.append(CallerUpdate(version.procedure.code, pins[code]["version"], newest))
    return behind


def update_callers(session: Session, code: str, deployed_by: str | None = None
                   ) -> list[DeployResult]:
    """A new version of each caller behind (callers_behind), calling the newest version
    of `code`; dossiers already started keep the versions they started on."""
    results = []
    for update in callers_behind(session, code):
        current = latest_version(session, update.code)
        results.append(deploy(session, Bundle(update.code, dict(current.files)), deployed_by))
    return results


def _newest_versions(session: Session) -> list[ProcedureVersion]:
    newest: dict[int, ProcedureVersion] = {}
    for version in list_versions(session):
        newest[version.procedure_id] = version
    return list(newest.values())


def _store(session: Session, bundle: Bundle, procedure: Procedure, content_hash: str,
           deployed_by: str | None) -> DeployResult:
    row = session.scalar(select(ProcedureRow).where(ProcedureRow.code == bundle.code))
    if row is None:
        row = ProcedureRow(code=bundle.code, name_vi=procedure.settings["name_vi"],
                           name_en=procedure.settings["name_en"])
        session.add(row)
        session.flush()
    existing = session.scalar(
        select(ProcedureVersion).where(
            ProcedureVersion.procedure_id == row.id, ProcedureVersion.content_hash == content_hash
        )
    )
    if existing is not None:
        return DeployResult(bundle.code, existing.version, content_hash, created=False)
    last = session.scalar(
        select(func.max(ProcedureVersion.version)).where(ProcedureVersion.procedure_id == row.id)
    )
    row.name_vi, row.name_en = procedure.settings["name_vi"], procedure.settings["name_en"]
    version = ProcedureVersion(
        procedure_id=row.id, version=(last or 0) + 1, content_hash=content_hash,
        files=bundle.files, settings=procedure.settings, bpmn_process_id=bundle.code,
        deployed_at=utcnow(), deployed_by=deployed_by,
    )
    session.add(version)
    session.flush()
    _cache[(bundle.code, content_hash)] = procedure
    return DeployResult(bundle.code, version.version, content_hash, created=True)


def deploy_path(session: Session, path: Path, deployed_by: str | None = None) -> list[DeployResult]:
    """Validate and store every bundle under path, the shared sub-procedures before the
    procedures that call them; store nothing unless all are valid."""
    bundles = [load_bundle(d) for d in bundle_dirs(path)]
    if not bundles:
        raise NotFound(f"no procedure bundle found under {path}")
    called = {code for b in bundles for code in called_elsewhere(b)}
    bundles.sort(key=lambda b: b.code not in called)
    errors: list[BundleInvalid] = []
    results: list[DeployResult] = []
    try:
        with session.begin_nested():
            for bundle in bundles:
                try:
                    results.append(deploy(session, bundle, deployed_by))
                except BundleInvalid as exc:
                    errors.append(exc)
            if errors:
                raise _NothingStored
    except _NothingStored:
        if len(errors) == 1:
            raise errors[0] from None
        problems = [p for e in errors for p in e.problems]
        for e in errors:
            for p in e.problems:
                p.file = f"{e.context['procedure']}/{p.file}"
        raise BundleInvalid(", ".join(str(e.context["procedure"]) for e in errors),
                            problems) from None
    return results


class _NothingStored(Exception):
    """Some bundle of a deploy_path was refused: the others' new versions roll back."""


_checked: dict[tuple[str, str, frozenset[str]], Procedure] = {}


def _validated(bundle: Bundle, content_hash: str, operators: frozenset[str],
               shared: dict[str, Procedure] | None = None) -> Procedure:
    """Validate once per content (its pins included) and set of handlers (deploying the
    same folder again re-parses nothing)."""
    key = (bundle.code, content_hash, operators)
    if key not in _checked:
        _checked[key] = validate(bundle, operators, shared)
    return _checked[key]


# Keyed by content, not row id: the same content parses to the same procedure
# in any database.
_cache: dict[tuple[str, str], Procedure] = {}
_cache_lock = Lock()


_keys: dict[tuple[str, int], tuple[str, str]] = {}


def load_version(session: Session, version_id: int) -> Procedure:
    """The parsed procedure of a stored version (cached: versions never change)."""
    where = (database_key(session), version_id)
    key = _keys.get(where)
    if key is None:
        row = session.execute(
            select(ProcedureVersion.bpmn_process_id, ProcedureVersion.content_hash)
            .where(ProcedureVersion.id == version_id)
        ).one_or_none()
        if row is None:
            raise NotFound("procedure version not found", version_id=version_id)
        key = _keys[where] = (row[0], row[1])
    cached = _cache.get(key)
    if cached is None:
        files = session.scalar(select(ProcedureVersion.files).where(ProcedureVersion.id == version_id))
        cached = validate(Bundle(code=key[0], files=files or {}), None,
                          _shared_of(session, files or {}))
        with _cache_lock:
            _cache[key] = cached
    return cached


def latest_version(session: Session, code: str) -> ProcedureVersion:
    version = session.scalar(
        select(ProcedureVersion)
        .join(ProcedureRow)
        .where(ProcedureRow.code == code)
        .order_by(ProcedureVersion.version.desc())
        .limit(1)
    )
    if version is None:
        raise NotFound(f"procedure {code!r} is not deployed", procedure=code)
    return version


def list_versions(session: Session) -> list[ProcedureVersion]:
    return list(
        session.scalars(
            select(ProcedureVersion).join(ProcedureRow).order_by(ProcedureRow.code, ProcedureVersion.version)
        )
    )
