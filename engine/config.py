"""Settings: read once at start from the environment and an optional TOML file
(`MOTCUA_CONFIG`; the environment wins), checked, and kept in one frozen `Settings`.

A process loads them with `load()`, refuses to start on `Settings.problems`, and
`install`s them; everything else reads `current()` (or the accessors below). Nothing
outside this module reads the environment. Production is the default: the demo's
parts (sandbox bank, mailbox, stand-in portal, the local PKI's endpoints) exist only
with `MOTCUA_DEMO=1`, which `motcua demo` and the tests set."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import secrets
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PREFIX = "MOTCUA_"
# Set in the example settings file: a value still holding it was never chosen.
PLACEHOLDER = "CHANGE-ME"


class SettingsError(ValueError):
    """Settings that cannot run: every problem, each naming its setting."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class WorkerSettings:
    """How `motcua worker` runs: poll cadence, claim batch, lease, shutdown grace,
    and when a deadline reminder goes out."""

    poll_seconds: float = 1.0
    batch: int = 20
    lease_seconds: float = 300.0
    grace_seconds: float = 30.0
    reminder_working_days: float = 1.0  # remind when this many working days or fewer remain
    reminder_fraction: float = 0.0  # ... or when this share of the task's allowance remains
    metrics_bind: tuple[str, int] | None = None  # host, port where the worker serves its counters


@dataclass(frozen=True)
class WebSettings:
    """How `motcua serve` runs the web app under gunicorn: where it listens, how many
    processes of how many threads, how long a request may take, and how many reverse
    proxies in front of it set X-Forwarded-For/-Proto/-Host/-Port (0: none is trusted)."""

    bind: str = "127.0.0.1:8000"
    workers: int = 2
    threads: int = 4
    timeout_seconds: float = 120.0
    proxy_headers: int = 0


@dataclass(frozen=True)
class BlobStoreSettings:
    """Where documents and attachments are kept: `directory` (a folder, the default)
    or `s3` (a bucket of an S3-compatible object store, shared by every machine)."""

    kind: str
    directory: Path | None = None
    s3_endpoint: str | None = None
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_access_key: str | None = None
    s3_secret_key: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class PaymentSettings:
    """Where fees are paid. mode "sandbox": the app's own sandbox bank (demo);
    mode "gateway": a real gateway, every value from the settings."""

    mode: str
    gateway: str
    pay_url: str
    api_url: str
    tmn_code: str
    secret: str = field(repr=False)
    public_url: str | None

    @property
    def sandbox(self) -> bool:
        return self.mode == "sandbox"


@dataclass(frozen=True)
class Shown:
    """One setting as `motcua config check` prints it."""

    name: str
    value: str
    source: str  # environment, file, default


@dataclass(frozen=True)
class Settings:
    """Every setting of a motcua process (see README.md, "Running it for real")."""

    demo: bool = False
    instance: Path = PROJECT_ROOT / "instance"
    database_url: str | None = field(default=None, repr=False)
    processes: Path = PROJECT_ROOT / "processes"
    public_url: str | None = None
    secret_key: str | None = field(default=None, repr=False)
    cookie_secure: bool = True
    signing_kek: str | None = field(default=None, repr=False)
    pki: Path | None = None
    tsa_url: str | None = None
    tsa_user: str | None = None
    tsa_password: str | None = field(default=None, repr=False)
    trust_roots: tuple[Path, ...] = ()
    font_dir: Path | None = None
    smtp: Mapping[str, Any] | None = field(default=None, repr=False)
    mail_from: str = "Một cửa <motcua@localhost>"
    portal_sync_url: str | None = None
    portal_sync_token: str | None = field(default=None, repr=False)
    payment_mode: str | None = None  # None: the sandbox in the demo, else no gateway
    payment: Mapping[str, str] = field(default_factory=dict, repr=False)
    sandbox_ipn_url: str | None = None
    metrics_token: str | None = field(default=None, repr=False)
    log_format: str = "text"
    ratelimit_storage: str = field(default="memory://", repr=False)
    worker: WorkerSettings = WorkerSettings()
    web: WebSettings = WebSettings()
    blob_store: BlobStoreSettings = BlobStoreSettings(kind="directory")
    shown: tuple[Shown, ...] = field(default=(), repr=False, compare=False)
    problems: tuple[str, ...] = ()

    def production_problems(self) -> list[str]:
        """What a production process refuses to start with (none in the demo); those
        that depend on the deployed procedures are `deployment_problems`."""
        if self.demo:
            return []
        found = []
        if not self.secret_key:
            found.append("MOTCUA_SECRET_KEY is not set: every web process needs the same "
                         "secret (64 random hex characters), not one generated per machine")
        if not self.signing_kek:
            found.append("MOTCUA_SIGNING_KEK is not set: production needs a key-encryption "
                         "key kept outside the database (a Fernet key, made with "
                         "`python -c 'from cryptography.fernet import Fernet; "
                         "print(Fernet.generate_key().decode())'`)")
        for shown in self.shown:
            if shown.name in SECRETS and PLACEHOLDER in _raw_secret(self, shown.name):
                found.append(f"{shown.name} still holds the example's {PLACEHOLDER} "
                             "placeholder: set a secret of your own")
        if self.payment_mode == "sandbox":
            found.append("MOTCUA_PAYMENT_MODE=sandbox is the demo's bank: set "
                         "MOTCUA_PAYMENT_MODE=gateway and MOTCUA_PAYMENT_URL, _API_URL, "
                         "_TMN_CODE, _SECRET (or MOTCUA_DEMO=1 for a demonstration)")
        return found

    def deployment_problems(self, versions: Iterable[Mapping[str, Any]]) -> list[str]:
        """What production refuses given the deployed procedure versions (each a
        mapping with `code`, `settings` and `files`): fees without a payment gateway,
        timestamped signatures without a timestamp authority."""
        if self.demo:
            return []
        found = []
        charging = sorted({v["code"] for v in versions if charges_fees(v["settings"])})
        if charging and self.payment_mode != "gateway":
            found.append(f"{', '.join(charging)} charge(s) fees but no payment gateway is "
                         "set: set MOTCUA_PAYMENT_MODE=gateway and MOTCUA_PAYMENT_URL, "
                         "_API_URL, _TMN_CODE, _SECRET")
        stamped = sorted({v["code"] for v in versions
                          if needs_timestamp(v["settings"], v["files"])})
        if stamped and not self.tsa_url:
            found.append(f"{', '.join(stamped)} sign(s) at level B-T or above but no "
                         "timestamp authority is set: set MOTCUA_TSA_URL (an RFC 3161 "
                         "service, https; MOTCUA_TSA_USER and MOTCUA_TSA_PASSWORD if it "
                         "asks for a login)")
        return found


SECRETS = frozenset({
    "MOTCUA_DATABASE_URL", "MOTCUA_SECRET_KEY", "MOTCUA_SIGNING_KEK", "MOTCUA_TSA_PASSWORD",
    "MOTCUA_SMTP_PASSWORD", "MOTCUA_PORTAL_SYNC_TOKEN", "MOTCUA_PAYMENT_SECRET",
    "MOTCUA_METRICS_TOKEN", "MOTCUA_S3_SECRET_KEY", "MOTCUA_RATELIMIT_STORAGE",
})
PAYMENT_NAMES = ("GATEWAY", "URL", "API_URL", "TMN_CODE", "SECRET")


def _raw_secret(settings: Settings, name: str) -> str:
    values = {
        "MOTCUA_DATABASE_URL": settings.database_url, "MOTCUA_SECRET_KEY": settings.secret_key,
        "MOTCUA_SIGNING_KEK": settings.signing_kek, "MOTCUA_TSA_PASSWORD": settings.tsa_password,
        "MOTCUA_SMTP_PASSWORD": (settings.smtp or {}).get("password"),
        "MOTCUA_PORTAL_SYNC_TOKEN": settings.portal_sync_token,
        "MOTCUA_PAYMENT_SECRET": settings.payment.get("SECRET"),
        "MOTCUA_METRICS_TOKEN": settings.metrics_token,
        "MOTCUA_S3_SECRET_KEY": settings.blob_store.s3_secret_key,
        "MOTCUA_RATELIMIT_STORAGE": settings.ratelimit_storage,
    }
    return str(values.get(name) or "")


def charges_fees(procedure: Mapping[str, Any]) -> bool:
    """Whether a procedure's settings ask a fee on some channel."""
    fees = procedure.get("fees") or {}
    return any(isinstance(v, int | float) and v > 0 for v in fees.values())


def needs_timestamp(procedure: Mapping[str, Any], files: Mapping[str, str]) -> bool:
    """Whether a procedure signs results (`result.sign`) at B-T or above (B-LT unless
    its `signature_level` says otherwise)."""
    signs = any(name.endswith(".bpmn") and '"result.sign"' in text for name, text in files.items())
    return signs and str(procedure.get("signature_level", "B-LT")) != "B-B"


def mask(name: str, value: str) -> str:
    """A value as `config check` shows it: secrets hidden, a URL's password too."""
    if not value:
        return value
    if name in SECRETS:
        parts = urlsplit(value) if "://" in value else None
        if parts is not None and parts.password and name != "MOTCUA_SECRET_KEY":
            return value.replace(f":{parts.password}@", ":***@", 1)
        if parts is not None and name in ("MOTCUA_DATABASE_URL", "MOTCUA_RATELIMIT_STORAGE"):
            return value
        return "***"
    return value


def parse_address(value: str) -> tuple[str, int]:
    """'host:port' (a port of 0 lets the system choose) as (host, port)."""
    host, _, port = value.strip().rpartition(":")
    if not host or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"must be host:port, such as 127.0.0.1:9101, not {value!r}")
    return host.strip("[]"), int(port)


class _Reader:
    """Typed values out of the merged raw settings, collecting every problem."""

    def __init__(self, raw: Mapping[str, str], sources: Mapping[str, str]) -> None:
        self.raw, self.sources = raw, sources
        self.problems: list[str] = []
        self.shown: list[Shown] = []

    def _show(self, name: str, value: object) -> None:
        text = "" if value is None else str(value)
        self.shown.append(Shown(name, mask(name, text), self.sources.get(name, "default")))

    def text(self, name: str, default: str | None = None) -> str | None:
        value = (self.raw.get(name) or "").strip() or default
        self._show(name, value)
        return value

    def flag(self, name: str, default: bool) -> bool:
        raw = (self.raw.get(name) or "").strip().lower()
        value = default
        if raw in ("1", "true", "yes", "on"):
            value = True
        elif raw in ("0", "false", "no", "off"):
            value = False
        elif raw:
            self.problems.append(f"{name} must be 1 or 0 (true or false), not {raw!r}")
        self._show(name, "1" if value else "0")
        return value

    def number(self, name: str, default: float, least: float = 0) -> float:
        raw = (self.raw.get(name) or "").strip()
        value = default
        if raw:
            try:
                value = float(raw)
            except ValueError:
                self.problems.append(f"{name} must be a number, got {raw!r}")
            else:
                if value < least:
                    self.problems.append(f"{name} must be at least {least:g}, got {raw}")
                    value = default
        self._show(name, f"{value:g}")
        return value

    def count(self, name: str, default: int, least: int) -> int:
        raw = (self.raw.get(name) or "").strip()
        value = default
        if raw:
            try:
                value = int(raw)
            except ValueError:
                self.problems.append(f"{name} must be a whole number, got {raw!r}")
            else:
                if value < least:
                    self.problems.append(f"{name} must be at least {least}, got {value}")
                    value = default
        self._show(name, value)
        return value

    def choice(self, name: str, default: str, choices: Iterable[str]) -> str:
        value = (self.raw.get(name) or "").strip().lower() or default
        allowed = tuple(choices)
        if value not in allowed:
            self.problems.append(f"{name} must be {' or '.join(allowed)}, not {value!r}")
            value = default
        self._show(name, value)
        return value

    def url(self, name: str) -> str | None:
        value = self.text(name)
        if value is not None and urlsplit(value).scheme not in ("http", "https"):
            self.problems.append(f"{name} must be an http(s) URL, not {value!r}")
        return value

    def address(self, name: str) -> tuple[str, int] | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            return parse_address(value)
        except ValueError as exc:
            self.problems.append(f"{name} {exc}")
            return None

    def paths(self, name: str) -> tuple[Path, ...]:
        value = self.text(name) or ""
        found = tuple(Path(p) for p in value.split(os.pathsep) if p.strip())
        for path in found:
            if not path.is_file():
                self.problems.append(f"{name}: {path} is not a readable file")
        return found


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _file_values(path: Path) -> tuple[dict[str, str], list[str]]:
    """The settings of a TOML file: `database_url = "…"` stands for MOTCUA_DATABASE_URL
    (lists of paths join with the path separator, booleans become 1 or 0)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return {}, [f"MOTCUA_CONFIG: cannot read {path}: {exc.strerror or exc}"]
    except tomllib.TOMLDecodeError as exc:
        return {}, [f"MOTCUA_CONFIG: {path} is not valid TOML: {exc}"]
    values, problems = {}, []
    for key, value in data.items():
        name = PREFIX + key.upper()
        if name not in KNOWN:
            problems.append(f"MOTCUA_CONFIG: {path} sets {key!r}, which is no setting")
        elif isinstance(value, bool):
            values[name] = "1" if value else "0"
        elif isinstance(value, list):
            values[name] = os.pathsep.join(str(v) for v in value)
        elif isinstance(value, str | int | float):
            values[name] = str(value)
        else:
            problems.append(f"MOTCUA_CONFIG: {key} must be a string, a number or a list")
    return values, problems


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from `environ` (default: the process's environment) over the TOML file
    it names in MOTCUA_CONFIG. Never raises for a bad value: see `Settings.problems`."""
    env = dict(os.environ if environ is None else environ)
    raw: dict[str, str] = {}
    sources: dict[str, str] = {}
    problems: list[str] = []
    if env.get("MOTCUA_CONFIG"):
        from_file, problems = _file_values(Path(env["MOTCUA_CONFIG"]))
        raw.update(from_file)
        sources.update(dict.fromkeys(from_file, "file"))
    given = {k: v for k, v in env.items() if k.startswith(PREFIX) and v != ""}
    raw.update(given)
    sources.update(dict.fromkeys(given, "environment"))
    r = _Reader(raw, sources)
    r.problems.extend(problems)
    demo = r.flag("MOTCUA_DEMO", False)
    instance = Path(r.text("MOTCUA_INSTANCE") or PROJECT_ROOT / "instance")
    kek = r.text("MOTCUA_SIGNING_KEK")
    if kek and PLACEHOLDER not in kek and not _is_fernet_key(kek):
        r.problems.append("MOTCUA_SIGNING_KEK must be a Fernet key (44 characters of "
                          "url-safe base64)")
    tsa_url = r.url("MOTCUA_TSA_URL")
    if tsa_url and urlsplit(tsa_url).scheme != "https" and not _is_loopback(tsa_url):
        r.problems.append(f"MOTCUA_TSA_URL must be https (its certificate is checked), "
                          f"not {tsa_url!r}")
    tsa_user, tsa_password = r.text("MOTCUA_TSA_USER"), r.text("MOTCUA_TSA_PASSWORD")
    if (tsa_user is None) != (tsa_password is None):
        r.problems.append("MOTCUA_TSA_USER and MOTCUA_TSA_PASSWORD go together")
    payment_mode = r.text("MOTCUA_PAYMENT_MODE")
    if payment_mode not in (None, "sandbox", "gateway"):
        r.problems.append("MOTCUA_PAYMENT_MODE must be 'sandbox' or 'gateway', "
                          f"not {payment_mode!r}")
    payment = {n: v for n in PAYMENT_NAMES if (v := r.text(f"MOTCUA_PAYMENT_{n}"))}
    if payment_mode == "gateway":
        missing = [f"MOTCUA_PAYMENT_{n}" for n in PAYMENT_NAMES[1:] if n not in payment]
        if missing:
            r.problems.append("payment gateway settings missing: " + ", ".join(missing))
    settings = Settings(
        demo=demo, instance=instance,
        database_url=r.text("MOTCUA_DATABASE_URL"),
        processes=Path(r.text("MOTCUA_PROCESSES") or PROJECT_ROOT / "processes"),
        public_url=(r.url("MOTCUA_PUBLIC_URL") or "").rstrip("/") or None,
        secret_key=r.text("MOTCUA_SECRET_KEY"),
        cookie_secure=r.flag("MOTCUA_COOKIE_SECURE", True),
        signing_kek=kek, pki=_path(r.text("MOTCUA_PKI")),
        tsa_url=tsa_url, tsa_user=tsa_user, tsa_password=tsa_password,
        trust_roots=r.paths("MOTCUA_TRUST_ROOTS"),
        font_dir=_path(r.text("MOTCUA_FONT_DIR")),
        smtp=_smtp(r), mail_from=r.text("MOTCUA_MAIL_FROM") or Settings.mail_from,
        portal_sync_url=r.url("MOTCUA_PORTAL_SYNC_URL"),
        portal_sync_token=r.text("MOTCUA_PORTAL_SYNC_TOKEN"),
        payment_mode=payment_mode, payment=payment,
        sandbox_ipn_url=r.url("MOTCUA_SANDBOX_IPN_URL"),
        metrics_token=r.text("MOTCUA_METRICS_TOKEN"),
        log_format=r.choice("MOTCUA_LOG_FORMAT", "text", ("json", "text")),
        ratelimit_storage=_ratelimit_storage(r),
        worker=_worker(r), web=_web(r), blob_store=_blob_store(r, instance),
    )
    unknown = sorted(set(given) - KNOWN - IGNORED)
    for name in unknown:
        r.problems.append(f"{name} is set but is no setting (a misspelling?)")
    return replace(settings, shown=tuple(r.shown), problems=tuple(r.problems))


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _is_fernet_key(value: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(value.encode())) == 32
    except (binascii.Error, ValueError):
        return False


def _smtp(r: _Reader) -> dict[str, Any] | None:
    host = r.text("MOTCUA_SMTP_HOST")
    security = r.choice("MOTCUA_SMTP_SECURITY", "starttls", ("starttls", "tls", "none"))
    default_port = {"starttls": 587, "tls": 465, "none": 25}[security]
    port = r.count("MOTCUA_SMTP_PORT", default_port, 1)
    user, password = r.text("MOTCUA_SMTP_USER"), r.text("MOTCUA_SMTP_PASSWORD")
    timeout = r.number("MOTCUA_SMTP_TIMEOUT", 30.0)
    if not host:
        return None
    return {"host": host, "port": port, "security": security, "user": user,
            "password": password, "timeout": timeout}


def _worker(r: _Reader) -> WorkerSettings:
    d = WorkerSettings()
    return WorkerSettings(
        poll_seconds=r.number("MOTCUA_WORKER_POLL", d.poll_seconds),
        batch=int(r.number("MOTCUA_WORKER_BATCH", d.batch, 1)),
        lease_seconds=r.number("MOTCUA_WORKER_LEASE", d.lease_seconds),
        grace_seconds=r.number("MOTCUA_WORKER_GRACE", d.grace_seconds),
        reminder_working_days=r.number("MOTCUA_REMINDER_WORKING_DAYS", d.reminder_working_days),
        reminder_fraction=r.number("MOTCUA_REMINDER_FRACTION", d.reminder_fraction),
        metrics_bind=r.address("MOTCUA_WORKER_METRICS_BIND"),
    )


def _web(r: _Reader) -> WebSettings:
    d = WebSettings()
    return WebSettings(
        bind=r.text("MOTCUA_WEB_BIND") or d.bind,
        workers=r.count("MOTCUA_WEB_WORKERS", d.workers, 1),
        threads=r.count("MOTCUA_WEB_THREADS", d.threads, 1),
        timeout_seconds=r.number("MOTCUA_WEB_TIMEOUT", d.timeout_seconds),
        proxy_headers=r.count("MOTCUA_PROXY_HEADERS", d.proxy_headers, 0),
    )


def _blob_store(r: _Reader, instance: Path) -> BlobStoreSettings:
    kind = r.choice("MOTCUA_BLOB_STORE", "directory", ("directory", "s3"))
    bucket = r.text("MOTCUA_S3_BUCKET") or ""
    endpoint = r.url("MOTCUA_S3_ENDPOINT")
    region = r.text("MOTCUA_S3_REGION") or "us-east-1"
    access_key, secret_key = r.text("MOTCUA_S3_ACCESS_KEY"), r.text("MOTCUA_S3_SECRET_KEY")
    if kind == "directory":
        return BlobStoreSettings(kind="directory", directory=instance / "blobs")
    if not bucket:
        r.problems.append("MOTCUA_BLOB_STORE=s3 needs MOTCUA_S3_BUCKET")
    if (access_key is None) != (secret_key is None):
        r.problems.append("MOTCUA_S3_ACCESS_KEY and MOTCUA_S3_SECRET_KEY go together")
    return BlobStoreSettings(kind="s3", s3_endpoint=endpoint, s3_bucket=bucket,
                             s3_region=region, s3_access_key=access_key,
                             s3_secret_key=secret_key)


RATELIMIT_SCHEMES = ("memory", "redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster")


def _ratelimit_storage(r: _Reader) -> str:
    value = r.text("MOTCUA_RATELIMIT_STORAGE", "memory://") or "memory://"
    scheme = value.partition("://")[0].lower() if "://" in value else ""
    if scheme not in RATELIMIT_SCHEMES:
        r.problems.append("MOTCUA_RATELIMIT_STORAGE must be memory:// or a Redis URL "
                          f"(redis://host:6379/0, rediss://…), not {mask('x', value)!r}")
        return "memory://"
    return value


KNOWN = frozenset({
    "MOTCUA_CONFIG", "MOTCUA_DEMO", "MOTCUA_INSTANCE", "MOTCUA_DATABASE_URL",
    "MOTCUA_PROCESSES", "MOTCUA_PUBLIC_URL", "MOTCUA_SECRET_KEY", "MOTCUA_COOKIE_SECURE",
    "MOTCUA_SIGNING_KEK", "MOTCUA_PKI", "MOTCUA_TSA_URL", "MOTCUA_TSA_USER",
    "MOTCUA_TSA_PASSWORD", "MOTCUA_TRUST_ROOTS", "MOTCUA_FONT_DIR", "MOTCUA_SMTP_HOST",
    "MOTCUA_SMTP_PORT", "MOTCUA_SMTP_SECURITY", "MOTCUA_SMTP_USER", "MOTCUA_SMTP_PASSWORD",
    "MOTCUA_SMTP_TIMEOUT", "MOTCUA_MAIL_FROM", "MOTCUA_PORTAL_SYNC_URL",
    "MOTCUA_PORTAL_SYNC_TOKEN", "MOTCUA_PAYMENT_MODE", "MOTCUA_SANDBOX_IPN_URL",
    "MOTCUA_METRICS_TOKEN", "MOTCUA_LOG_FORMAT", "MOTCUA_RATELIMIT_STORAGE",
    "MOTCUA_WORKER_POLL", "MOTCUA_WORKER_BATCH", "MOTCUA_WORKER_LEASE", "MOTCUA_WORKER_GRACE",
    "MOTCUA_WORKER_METRICS_BIND", "MOTCUA_REMINDER_WORKING_DAYS", "MOTCUA_REMINDER_FRACTION", "MOTCUA_WEB_BIND",
    "MOTCUA_WEB_WORKERS", "MOTCUA_WEB_THREADS", "MOTCUA_WEB_TIMEOUT", "MOTCUA_PROXY_HEADERS",
    "MOTCUA_BLOB_STORE", "MOTCUA_S3_BUCKET", "MOTCUA_S3_ENDPOINT", "MOTCUA_S3_REGION",
    "MOTCUA_S3_ACCESS_KEY", "MOTCUA_S3_SECRET_KEY",
    *(f"MOTCUA_PAYMENT_{n}" for n in PAYMENT_NAMES),
})
# Read by the test suite and the benches, not by motcua itself.
IGNORED = frozenset({"MOTCUA_TEST_DATABASE_URL", "MOTCUA_CHROMIUM", "MOTCUA_BENCH_DATABASE_URL",
                     "MOTCUA_BENCH_PG_URL"})

_installed: Settings | None = None
_loaded: tuple[tuple[tuple[str, str], ...], Settings] | None = None


def install(settings: Settings | None) -> Settings | None:
    """Make `settings` this process's (None: read the environment again); returns the
    settings installed before."""
    global _installed
    before, _installed = _installed, settings
    return before


def current() -> Settings:
    """The installed settings; without any (a library use, a test), those of the
    environment as it is now. Raises SettingsError when they have problems."""
    global _loaded
    settings = _installed
    if settings is None:
        key = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(PREFIX)))
        if _loaded is None or _loaded[0] != key:
            _loaded = (key, load())
        settings = _loaded[1]
    if settings.problems:
        raise SettingsError(settings.problems)
    return settings


def prometheus_multiproc_dir() -> str | None:
    """prometheus_client's own setting (PROMETHEUS_MULTIPROC_DIR), which it reads itself."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def set_prometheus_multiproc_dir(path: str) -> None:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path


# -- what the rest of the code asks -------------------------------------------------

def instance_dir() -> Path:
    path = current().instance
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    return current().database_url or f"sqlite:///{instance_dir() / 'motcua.db'}"


def processes_dir() -> Path:
    return current().processes


def public_url() -> str:
    """Where applicants reach the portal; links in messages start here."""
    return current().public_url or "http://127.0.0.1:5000"


def smtp_settings() -> dict[str, object] | None:
    """The SMTP server for e-mail, or None: messages are then written as .eml
    files under the instance folder instead.

    MOTCUA_SMTP_HOST, MOTCUA_SMTP_PORT (587), MOTCUA_SMTP_SECURITY (starttls |
    tls | none), MOTCUA_SMTP_USER and MOTCUA_SMTP_PASSWORD (optional login),
    MOTCUA_MAIL_FROM, MOTCUA_SMTP_TIMEOUT (seconds)."""
    smtp = current().smtp
    return dict(smtp) if smtp else None


def mail_from() -> str:
    return current().mail_from


def portal_sync_url() -> str | None:
    """The national portal's endpoint for status updates (MOTCUA_PORTAL_SYNC_URL);
    without it, updates are recorded and wait."""
    return current().portal_sync_url


def portal_sync_token() -> str | None:
    return current().portal_sync_token


def pki_dir() -> Path:
    """The signing PKI made by `motcua pki init` (officers' PKCS#12 files, CAs, TSA)."""
    return current().pki or instance_dir() / "pki"


def tsa_url() -> str | None:
    """An RFC 3161 timestamp authority; unset, the local PKI's TSA signs in-process."""
    return current().tsa_url


def tsa_login() -> tuple[str, str] | None:
    """MOTCUA_TSA_USER and MOTCUA_TSA_PASSWORD, for a timestamp authority that asks."""
    s = current()
    return (s.tsa_user, s.tsa_password) if s.tsa_user and s.tsa_password else None


def trust_roots() -> tuple[Path, ...]:
    """MOTCUA_TRUST_ROOTS: PEM/DER files of the roots signatures chain to (e.g. the
    national root CA), separated by the path separator; empty: the local PKI's."""
    return current().trust_roots


def worker_settings() -> WorkerSettings:
    """From MOTCUA_WORKER_POLL, _BATCH, _LEASE, _GRACE (seconds), and
    MOTCUA_REMINDER_WORKING_DAYS, MOTCUA_REMINDER_FRACTION."""
    return current().worker


SANDBOX_TMN_CODE = "MOTCUA01"


def sandbox_secret() -> str:
    """The sandbox merchant's shared secret: made once per instance, never shipped."""
    path = instance_dir() / "sandbox_bank_secret"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def payment_settings(public_url: str | None = None) -> PaymentSettings:
    """Gateway settings from MOTCUA_PAYMENT_* (MODE, GATEWAY, URL, API_URL, TMN_CODE,
    SECRET); the sandbox bank when the demo leaves the mode unset. `public_url` (the
    app's address as the browser sees it) wins over MOTCUA_PUBLIC_URL for the sandbox
    and for the return URL."""
    s = current()
    base = (public_url or s.public_url or "").rstrip("/") or None
    mode = s.payment_mode or ("sandbox" if s.demo else None)
    if mode == "sandbox":
        return PaymentSettings(
            mode="sandbox", gateway="sandbox",
            pay_url=f"{base}/sandbox-bank/paymentv2/vpcpay.html" if base else "",
            api_url=f"{base}/sandbox-bank/merchant_webapi/api/transaction" if base else "",
            tmn_code=SANDBOX_TMN_CODE, secret=sandbox_secret(), public_url=base)
    if mode is None:
        raise SettingsError(["no payment gateway is set: set MOTCUA_PAYMENT_MODE=gateway and "
                             "MOTCUA_PAYMENT_URL, _API_URL, _TMN_CODE, _SECRET"])
    p = s.payment
    return PaymentSettings(
        mode="gateway", gateway=p.get("GATEWAY", "vnpay"), pay_url=p["URL"],
        api_url=p["API_URL"], tmn_code=p["TMN_CODE"], secret=p["SECRET"], public_url=base)


def sandbox_bank_on(settings: Settings | None = None) -> bool:
    """Whether the app mounts the sandbox bank (the demo, unless a gateway is set)."""
    s = settings or current()
    return (s.payment_mode or ("sandbox" if s.demo else None)) == "sandbox"


def metrics_token() -> str | None:
    """A bearer token that opens /metrics to a scraper that is not on this machine
    (MOTCUA_METRICS_TOKEN); without it only loopback clients may scrape."""
    return current().metrics_token


def log_format() -> str:
    """MOTCUA_LOG_FORMAT: `json` (one JSON object a line) or `text` (the default)."""
    return current().log_format


def web_settings() -> WebSettings:
    """From MOTCUA_WEB_BIND, MOTCUA_WEB_WORKERS, MOTCUA_WEB_THREADS,
    MOTCUA_WEB_TIMEOUT (seconds) and MOTCUA_PROXY_HEADERS (1 behind one reverse proxy)."""
    return current().web


def blob_store_settings() -> BlobStoreSettings:
    """MOTCUA_BLOB_STORE: `directory` (files under the instance folder's blobs/) or `s3`
    with MOTCUA_S3_BUCKET, MOTCUA_S3_ENDPOINT (unset: Amazon S3 itself),
    MOTCUA_S3_REGION (us-east-1) and MOTCUA_S3_ACCESS_KEY + MOTCUA_S3_SECRET_KEY (both,
    or neither for the machine's own credentials)."""
    return current().blob_store


def ratelimit_storage() -> str:
    """MOTCUA_RATELIMIT_STORAGE: where the web processes count requests against their
    rate limits (sign-in, look-ups): `memory://` (the default: each process its own
    count) or a Redis URL such as `redis://127.0.0.1:6379/0`, shared by every process
    on every machine."""
    return current().ratelimit_storage
