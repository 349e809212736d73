"""Settings read from the environment, with defaults that need nothing installed."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
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
