"""Deploying bundles as immutable versions, and loading a version to run."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from threading import Lock

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import database_key
from ..errors import BundleInvalid, NotFound
from ..models import Procedure as ProcedureRow
from ..models import ProcedureVersion, utcnow
from . import operators as operator_registry
from .bundle import Bundle, Procedure, load_bundle, validate


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
    content_hash = bundle.content_hash
    procedure = _validated(bundle, content_hash, frozenset(ops))
    try:
        with session.begin_nested():
            return _store(session, bundle, procedure, content_hash, deployed_by)
    except IntegrityError:
        # the same content (or the same new procedure) stored by someone else meanwhile:
        # theirs stands, and this deploy finds it
        with session.begin_nested():
            return _store(session, bundle, procedure, content_hash, deployed_by)


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
    """Validate every bundle under path first; store nothing unless all are valid."""
    bundles = [load_bundle(d) for d in bundle_dirs(path)]
    if not bundles:
        raise NotFound(f"no procedure bundle found under {path}")
    errors: list[BundleInvalid] = []
    for bundle in bundles:
        try:
            _validated(bundle, bundle.content_hash, operator_registry.registered())
        except BundleInvalid as exc:
            errors.append(exc)
    if errors:
        if len(errors) == 1:
            raise errors[0]
        problems = [p for e in errors for p in e.problems]
        for e in errors:
            for p in e.problems:
                p.file = f"{e.context['procedure']}/{p.file}"
        raise BundleInvalid(", ".join(str(e.context["procedure"]) for e in errors), problems)
    return [deploy(session, b, deployed_by) for b in bundles]


_checked: dict[tuple[str, str, frozenset[str]], Procedure] = {}


def _validated(bundle: Bundle, content_hash: str, operators: frozenset[str]) -> Procedure:
    """Validate once per content and set of handlers (deploying the same
    folder again re-parses nothing)."""
    key = (bundle.code, content_hash, operators)
    if key not in _checked:
        _checked[key] = validate(bundle, operators)
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
        cached = validate(Bundle(code=key[0], files=files or {}), None)
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
