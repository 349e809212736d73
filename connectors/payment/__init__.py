"""Payment gateways: the adapter interface (`gateway.PaymentGateway`), the
signed-redirect protocol Vietnamese gateways use (`signed_redirect`), and
`current_gateway()` built from the settings."""

from __future__ import annotations

from engine import config

from .gateway import GatewayError, Notice, PaymentGateway, PaymentRequest, QueryResult, RefundResult
from .signed_redirect import SignedRedirectGateway


def current_gateway(public_url: str | None = None) -> PaymentGateway:
    """The configured gateway. In sandbox mode it points at the app's own sandbox
    bank under `public_url` (or MOTCUA_PUBLIC_URL)."""
    return SignedRedirectGateway(config.payment_settings(public_url))


__all__ = ["GatewayError", "Notice", "PaymentGateway", "PaymentRequest", "QueryResult",
           "RefundResult", "SignedRedirectGateway", "current_gateway"]
