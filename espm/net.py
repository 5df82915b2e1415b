"""The client's address, the same for login lockout (django-axes) and API throttling (DRF).

``X-Forwarded-For`` is written by whoever sends the request, so it counts only as far as our
own proxies wrote it: with ``TRUSTED_PROXY_COUNT = n`` the client is the n-th address from
the right of the header (each proxy appends the address it received from); with 0 (the
default, gunicorn straight on the network) the header is ignored and ``REMOTE_ADDR`` is the
client. DRF's ``NUM_PROXIES`` is set from the same setting and follows the same rule.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


def client_ip(request: Any) -> str:
    meta = request.META
    remote = str(meta.get("REMOTE_ADDR", "") or "")
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if count <= 0 or not forwarded:
        return remote
    hops = [part.strip() for part in str(forwarded).split(",") if part.strip()]
    if not hops:
        return remote
    return hops[-min(count, len(hops))]
