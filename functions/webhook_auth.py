"""Who may call the MinIO/S3 webhook: whoever presents the shared token.

MinIO sends its target's ``auth_token`` as ``Authorization: Bearer TOKEN`` (a token
that already holds a scheme and a space is sent as it is). The webhook is reachable by
anything on its network, and a call makes us read, analyse and bill a segment, so an
unset token refuses everything instead of trusting everyone.
"""

from __future__ import annotations

import hmac

from pydantic import SecretStr


def webhook_refusal(authorization: str | None, token: SecretStr | None) -> tuple[int, str] | None:
    """None when the caller is authorised; otherwise (HTTP status, reason)."""
    if token is None or not token.get_secret_value():
        return 503, "the webhook has no MA_WEBHOOK_TOKEN configured; refusing every call"
    expected = f"Bearer {token.get_secret_value()}".encode()
    presented = (authorization or "").strip().encode()
    if not hmac.compare_digest(presented, expected):
        return 401, "missing or wrong webhook token"
    return None
