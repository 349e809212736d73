"""A procedure bundle uploaded as a ZIP file: the same files as a bundle folder
(procedure.toml, procedure.bpmn, forms/*.json, templates/*.html, decisions/*.dmn), at the
top of the archive or inside one folder. Read with limits, so a hostile archive is refused."""

from __future__ import annotations

import io
import re
import tomllib
import zipfile
import zlib
from pathlib import PurePosixPath

from ..errors import BundleInvalid, BundleProblem
from .bundle import BPMN_FILE, MAX_FILE_BYTES, TOML_FILE, Bundle

MAX_ENTRIES = 200
MAX_TOTAL_BYTES = 10_000_000
CODE = re.compile(r"[a-z][a-z0-9_]{1,63}")
WANTED = {("forms", ".json"), ("templates", ".html"), ("decisions", ".dmn")}


def bundle_from_zip(data: bytes) -> Bundle:
    """The bundle in the archive, its code read from procedure.toml; BundleInvalid names
    every file that cannot be taken and why."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, ValueError):
        raise BundleInvalid("upload", [BundleProblem("(upload)", "not a ZIP archive")]) from None
    if len(entries) > MAX_ENTRIES:
        raise BundleInvalid("upload", [BundleProblem(
            "(upload)", f"{len(entries)} files; a bundle has at most {MAX_ENTRIES}")])
    names = [PurePosixPath(i.filename) for i in entries
             if not _ignorable(PurePosixPath(i.filename))]
    prefix = _common_folder(names)
    problems: list[BundleProblem] = []
    files: dict[str, str] = {}
    total = 0
    for info in entries:
        path = PurePosixPath(info.filename)
        if _ignorable(path):
            continue
        if path.is_absolute() or ".." in path.parts:
            problems.append(BundleProblem(info.filename, "unsafe path in the archive"))
            continue
        rel = PurePosixPath(*path.parts[len(prefix.parts):]) if prefix else path
        if not _wanted(rel):
            problems.append(BundleProblem(str(rel), "not a bundle file (procedure.toml, "
                                          "procedure.bpmn, forms/*.json, templates/*.html, decisions/*.dmn)"))
            continue
        if info.file_size > MAX_FILE_BYTES:
            problems.append(BundleProblem(str(rel), f"larger than {MAX_FILE_BYTES:,} bytes"))
            continue
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            problems.append(BundleProblem("(upload)", f"more than {MAX_TOTAL_BYTES:,} bytes "
                                          "once unpacked"))
            break
        try:
            with archive.open(info) as fh:
                raw = fh.read(MAX_FILE_BYTES + 1)  # the size in the header may lie
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError,
                RuntimeError) as exc:  # bad CRC, truncated data, unknown method, encrypted
            problems.append(BundleProblem(str(rel), f"cannot be read from the archive: {exc}"))
            continue
        if len(raw) > MAX_FILE_BYTES:
            problems.append(BundleProblem(str(rel), f"larger than {MAX_FILE_BYTES:,} bytes"))
            continue
        try:
            files[str(rel)] = raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(BundleProblem(str(rel), "not UTF-8 text"))
    if problems:
        raise BundleInvalid("upload", problems)
    return Bundle(_code(files), files)


def _ignorable(path: PurePosixPath) -> bool:
    """Hidden files and the folders archivers add; ".." is not hidden, it is refused."""
    return any((part.startswith(".") and part != "..") or part == "__MACOSX"
               for part in path.parts)


def _common_folder(names: list[PurePosixPath]) -> PurePosixPath | None:
    """The one folder every file sits in, when the archive was made of a bundle folder."""
    if not names or any(len(n.parts) < 2 for n in names):
        return None
    first = names[0].parts[0]
    if first in ("forms", "templates", "decisions") or any(n.parts[0] != first for n in names):
        return None
    return PurePosixPath(first)


def _wanted(rel: PurePosixPath) -> bool:
    if str(rel) in (TOML_FILE, BPMN_FILE):
        return True
    return len(rel.parts) == 2 and (rel.parts[0], rel.suffix) in WANTED


def _code(files: dict[str, str]) -> str:
    try:
        code = tomllib.loads(files.get(TOML_FILE, "")).get("code")
    except tomllib.TOMLDecodeError as exc:
        raise BundleInvalid("upload", [BundleProblem(TOML_FILE, f"not valid TOML: {exc}")]) \
            from None
    if not isinstance(code, str) or not CODE.fullmatch(code):
        raise BundleInvalid("upload", [BundleProblem(
            TOML_FILE, "'code' is required: lower-case letters, digits and _ (e.g. marital_status)")])
    return code
