"""The browser side of a session: cookies and the CSRF token bound to them.

The browser holds one secret, the API's opaque session token, in an HttpOnly,
SameSite=Strict cookie scoped to the dashboard's path; scripts cannot read it and other
sites cannot make the browser send it. State-changing requests also carry a CSRF token
(double-submit, OWASP CSRF Prevention Cheat Sheet): a readable cookie whose value is a
keyed hash of the session token, echoed by Dash's renderer in a request header; the
server recomputes it from the HttpOnly cookie. No process-local secret is needed, so any
API process behind a load balancer can check it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

SESSION_COOKIE = "wearmon_session"
CSRF_COOKIE = "wearmon_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
LANG_COOKIE = "wearmon_lang"
IDLE_COOKIE = "wearmon_idle"
# Domain separation: the CSRF token is never equal to the token's digest stored by the API.
_CSRF_LABEL = b"wearmon-dashboard-csrf-v1\x00"


def csrf_for(session_token: str) -> str:
    return hashlib.sha256(_CSRF_LABEL + session_token.encode()).hexdigest()


def csrf_ok(cookies: Mapping[str, str], presented: str | None) -> bool:
    """True when ``presented`` is the CSRF token of the session in ``cookies``."""
    token = cookies.get(SESSION_COOKIE)
    if not token or not presented:
        return False
    return hmac.compare_digest(csrf_for(token), presented)


def same_origin(origin: str | None, referer: str | None, host_url: str) -> bool:
    """A POST must come from our own pages: Origin (or, lacking it, Referer) is this host."""
    base = host_url.rstrip("/")
    if origin:
        return origin.rstrip("/") == base
    if referer:
        return referer == base or referer.startswith(base + "/")
    # Neither header: not a browser following a cross-site form (browsers send Origin on
    # cross-origin POSTs); the CSRF token check still applies to state changes.
    return True
