"""Settings read from the environment, with defaults that need nothing installed."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def instance_dir() -> Path:
    path = Path(os.environ.get("MOTCUA_INSTANCE", PROJECT_ROOT / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    url = os.environ.get("MOTCUA_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{instance_dir() / 'motcua.db'}"


def processes_dir() -> Path:
    return Path(os.environ.get("MOTCUA_PROCESSES", PROJECT_ROOT / "processes"))


def public_url() -> str:
    """Where applicants reach the portal; links in messages start here."""
    return os.environ.get("MOTCUA_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")


def smtp_settings() -> dict[str, object] | None:
    """The SMTP server for e-mail, or None: messages are then written as .eml
    files under the instance folder instead.

    MOTCUA_SMTP_HOST, MOTCUA_SMTP_PORT (587), MOTCUA_SMTP_SECURITY (starttls |
    tls | none), MOTCUA_SMTP_USER and MOTCUA_SMTP_PASSWORD (optional login),
    MOTCUA_MAIL_FROM, MOTCUA_SMTP_TIMEOUT (seconds)."""
    host = os.environ.get("MOTCUA_SMTP_HOST")
    if not host:
        return None
    security = os.environ.get("MOTCUA_SMTP_SECURITY", "starttls")
    if security not in ("starttls", "tls", "none"):
        raise ValueError(f"MOTCUA_SMTP_SECURITY must be starttls, tls or none, not {security!r}")
    default_port = {"starttls": 587, "tls": 465, "none": 25}[security]
    return {
        "host": host, "port": int(os.environ.get("MOTCUA_SMTP_PORT", default_port)),
        "security": security, "user": os.environ.get("MOTCUA_SMTP_USER") or None,
        "password": os.environ.get("MOTCUA_SMTP_PASSWORD") or None,
        "timeout": float(os.environ.get("MOTCUA_SMTP_TIMEOUT", "30")),
    }


def mail_from() -> str:
    return os.environ.get("MOTCUA_MAIL_FROM", "Một cửa <motcua@localhost>")


def portal_sync_url() -> str | None:
    """The national portal's endpoint for status updates (MOTCUA_PORTAL_SYNC_URL);
    without it, updates are recorded and wait."""
    return os.environ.get("MOTCUA_PORTAL_SYNC_URL") or None


def portal_sync_token() -> str | None:
    return os.environ.get("MOTCUA_PORTAL_SYNC_TOKEN") or None


def pki_dir() -> Path:
    """The signing PKI made by `motcua pki init` (officers' PKCS#12 files, CAs, TSA)."""
    return Path(os.environ.get("MOTCUA_PKI", instance_dir() / "pki"))


def trust_roots() -> list[Path]:
    """MOTCUA_TRUST_ROOTS: the PEM (or DER) files of the certificate authorities whose
    signatures are trusted — the national public CA roots go there — separated by the
    system's path separator (':' on Linux). Unset: none (the local PKI's root is used)."""
    raw = os.environ.get("MOTCUA_TRUST_ROOTS", "")
    return [Path(part) for part in raw.split(os.pathsep) if part.strip()]


def tsa_url() -> str | None:
    """An RFC 3161 timestamp authority; unset, the local PKI's TSA signs in-process."""
    return os.environ.get("MOTCUA_TSA_URL") or None
def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc


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


def worker_settings() -> WorkerSettings:
    """Read from MOTCUA_WORKER_POLL, _BATCH, _LEASE, _GRACE (seconds), and
    MOTCUA_REMINDER_WORKING_DAYS, MOTCUA_REMINDER_FRACTION."""
    d = WorkerSettings()
    return WorkerSettings(
        poll_seconds=_env_float("MOTCUA_WORKER_POLL", d.poll_seconds),
        batch=int(_env_float("MOTCUA_WORKER_BATCH", d.batch)),
        lease_seconds=_env_float("MOTCUA_WORKER_LEASE", d.lease_seconds),
        grace_seconds=_env_float("MOTCUA_WORKER_GRACE", d.grace_seconds),
        reminder_working_days=_env_float("MOTCUA_REMINDER_WORKING_DAYS", d.reminder_working_days),
        reminder_fraction=_env_float("MOTCUA_REMINDER_FRACTION", d.reminder_fraction),
    )


@dataclass(frozen=True)
class PaymentSettings:
    """Where fees are paid. mode "sandbox": the app's own sandbox bank (demo);
    mode "gateway": a real gateway, every value from the environment."""

    mode: str
    gateway: str
    pay_url: str
    api_url: str
    tmn_code: str
    secret: str
    public_url: str | None

    @property
    def sandbox(self) -> bool:
        return self.mode == "sandbox"


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
    SECRET). `public_url` (the app's address as the browser sees it) wins over
    MOTCUA_PUBLIC_URL for the sandbox and for the return URL."""
    base = (public_url or os.environ.get("MOTCUA_PUBLIC_URL") or "").rstrip("/") or None
    mode = os.environ.get("MOTCUA_PAYMENT_MODE", "sandbox")
    if mode == "sandbox":
        return PaymentSettings(
            mode="sandbox", gateway="sandbox",
            pay_url=f"{base}/sandbox-bank/paymentv2/vpcpay.html" if base else "",
            api_url=f"{base}/sandbox-bank/merchant_webapi/api/transaction" if base else "",
            tmn_code=SANDBOX_TMN_CODE, secret=sandbox_secret(), public_url=base)
    if mode != "gateway":
        raise ValueError(f"MOTCUA_PAYMENT_MODE must be 'sandbox' or 'gateway', not {mode!r}")
    missing = [name for name in ("URL", "API_URL", "TMN_CODE", "SECRET")
               if not os.environ.get(f"MOTCUA_PAYMENT_{name}")]
    if missing:
        raise ValueError("payment gateway settings missing: "
                         + ", ".join(f"MOTCUA_PAYMENT_{m}" for m in missing))
    return PaymentSettings(
        mode="gateway", gateway=os.environ.get("MOTCUA_PAYMENT_GATEWAY", "vnpay"),
        pay_url=os.environ["MOTCUA_PAYMENT_URL"], api_url=os.environ["MOTCUA_PAYMENT_API_URL"],
        tmn_code=os.environ["MOTCUA_PAYMENT_TMN_CODE"], secret=os.environ["MOTCUA_PAYMENT_SECRET"],
        public_url=base)


def metrics_token() -> str | None:
    """A bearer token that opens /metrics to a scraper that is not on this machine
    (MOTCUA_METRICS_TOKEN); without it only loopback clients may scrape."""
    return os.environ.get("MOTCUA_METRICS_TOKEN") or None


def log_format() -> str:
    """MOTCUA_LOG_FORMAT: `json` (one JSON object a line) or `text` (the default)."""
    value = (os.environ.get("MOTCUA_LOG_FORMAT") or "text").strip().lower()
    if value not in ("json", "text"):
        raise ValueError(f"MOTCUA_LOG_FORMAT must be json or text, not {value!r}")
    return value


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


def _env_count(name: str, default: int, least: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        number = int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from exc
    if number < least:
        raise ValueError(f"{name} must be at least {least}, got {number}")
    return number


def web_settings() -> WebSettings:
    """Read from MOTCUA_WEB_BIND, MOTCUA_WEB_WORKERS, MOTCUA_WEB_THREADS,
    MOTCUA_WEB_TIMEOUT (seconds) and MOTCUA_PROXY_HEADERS (1 behind one reverse proxy)."""
    d = WebSettings()
    return WebSettings(
        bind=os.environ.get("MOTCUA_WEB_BIND") or d.bind,
        workers=_env_count("MOTCUA_WEB_WORKERS", d.workers, 1),
        threads=_env_count("MOTCUA_WEB_THREADS", d.threads, 1),
        timeout_seconds=_env_float("MOTCUA_WEB_TIMEOUT", d.timeout_seconds),
        proxy_headers=_env_count("MOTCUA_PROXY_HEADERS", d.proxy_headers, 0),
    )


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


def blob_store_settings() -> BlobStoreSettings:
    """MOTCUA_BLOB_STORE: `directory` (files under the instance folder's blobs/) or `s3`
    with MOTCUA_S3_BUCKET, MOTCUA_S3_ENDPOINT (unset: Amazon S3 itself),
    MOTCUA_S3_REGION (us-east-1) and MOTCUA_S3_ACCESS_KEY + MOTCUA_S3_SECRET_KEY (both,
    or neither for the machine's own credentials)."""
    kind = (os.environ.get("MOTCUA_BLOB_STORE") or "directory").strip().lower()
    if kind == "directory":
        return BlobStoreSettings(kind="directory", directory=instance_dir() / "blobs")
    if kind != "s3":
        raise ValueError(f"MOTCUA_BLOB_STORE must be directory or s3, not {kind!r}")
    bucket = (os.environ.get("MOTCUA_S3_BUCKET") or "").strip()
    if not bucket:
        raise ValueError("MOTCUA_BLOB_STORE=s3 needs MOTCUA_S3_BUCKET")
    endpoint = (os.environ.get("MOTCUA_S3_ENDPOINT") or "").strip() or None
    if endpoint is not None and not endpoint.startswith(("http://", "https://")):
        raise ValueError(f"MOTCUA_S3_ENDPOINT must be an http(s) URL, not {endpoint!r}")
    access_key = os.environ.get("MOTCUA_S3_ACCESS_KEY") or None
    secret_key = os.environ.get("MOTCUA_S3_SECRET_KEY") or None
    if (access_key is None) != (secret_key is None):
        raise ValueError("MOTCUA_S3_ACCESS_KEY and MOTCUA_S3_SECRET_KEY go together")
    return BlobStoreSettings(
        kind="s3", s3_endpoint=endpoint, s3_bucket=bucket,
        s3_region=(os.environ.get("MOTCUA_S3_REGION") or "").strip() or "us-east-1",
        s3_access_key=access_key, s3_secret_key=secret_key)


RATELIMIT_SCHEMES = ("memory", "redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster")


def ratelimit_storage() -> str:
    """MOTCUA_RATELIMIT_STORAGE: where the web processes count requests against their
    rate limits (sign-in, look-ups): `memory://` (the default: each process its own
    count) or a Redis URL such as `redis://127.0.0.1:6379/0`, shared by every process
    on every machine."""
    value = (os.environ.get("MOTCUA_RATELIMIT_STORAGE") or "memory://").strip()
    scheme = value.partition("://")[0].lower() if "://" in value else ""
    if scheme not in RATELIMIT_SCHEMES:
        raise ValueError("MOTCUA_RATELIMIT_STORAGE must be memory:// or a Redis URL "
                         f"(redis://host:6379/0, rediss://…), not {value!r}")
    return value
