"""The Dash app: ``create_dashboard(api_url)`` returns it, ready to be mounted at /dashboard/.

Its Flask server also handles the three non-Dash routes: sign-in and sign-out (plain form
posts, so the session cookie is set by the server and is never visible to scripts) and
the language switch. The composition root mounts ``app.server`` as WSGI under
``/dashboard`` (``requests_pathname_prefix``), so Flask sees paths below it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any
from urllib.parse import urlencode

import flask
import httpx
from dash import Dash
from werkzeug.wrappers import Response

from dashboard import api as api_errors
from dashboard import callbacks, views
from dashboard.api import ClinicalApi
from dashboard.i18n import Translator, available_languages, pick_language
from dashboard.pages.common import PREFIX, href, shell
from dashboard.session import (
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    IDLE_COOKIE,
    LANG_COOKIE,
    SESSION_COOKIE,
    csrf_for,
    csrf_ok,
    same_origin,
)

# Language preference outlives a session (a year), it is not personal data.
_LANG_MAX_AGE_S = 365 * 24 * 3600
# Cookie lifetime when the API gives no expiry: the session's absolute limit is the API's.
_SESSION_FALLBACK_S = 12 * 3600
_DASH_POST_PATHS = ("/_dash-update-component",)


class WearmonDash(Dash):
    """Dash whose index page carries ``<html lang>`` and a localized loading message."""

    def interpolate_index(self, **kwargs: Any) -> Any:  # type: ignore[override]
        t = callbacks.request_translator()
        kwargs["app_entry"] = (
            '<div id="react-entry-point"><div class="_dash-loading" role="status">'
            f"{t('loading')}</div></div>"
        )
        page: str = super().interpolate_index(**kwargs)  # type: ignore[no-untyped-call]
        return page.replace("<html>", f'<html lang="{t.lang}">', 1)


def create_dashboard(
    api_url: str,
    *,
    clock: views.Clock | None = None,
    transport: httpx.BaseTransport | None = None,
    secure_cookies: bool = False,
) -> WearmonDash:
    """The dashboard as a client of the clinical API at ``api_url``.

    ``secure_cookies`` adds the Secure attribute (set it when served over HTTPS).
    """
    c = views.Context(
        api=ClinicalApi(api_url, transport=transport),
        clock=clock or (lambda: dt.datetime.now(dt.UTC)),
    )
    app = WearmonDash(
        __name__,
        requests_pathname_prefix=PREFIX,
        routes_pathname_prefix="/",
        title="wearmon",
        update_title="",
        suppress_callback_exceptions=True,
        serve_locally=True,
        csrf_token_name=CSRF_COOKIE,
        csrf_header_name=CSRF_HEADER,
    )
    app.layout = _layout
    callbacks.register(app, c)
    _add_routes(app.server, c, secure_cookies)
    return app


def _layout() -> Any:
    t = callbacks.request_translator()
    token = callbacks.request_token()
    # The language links are redrawn for each page by the routing callback.
    return shell(t, csrf_for(token) if token else None, PREFIX)


def _add_routes(server: flask.Flask, c: views.Context, secure: bool) -> None:
    def cookie(response: Response, name: str, value: str, max_age: int, http_only: bool) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=PREFIX,
            secure=secure,
            httponly=http_only,
            samesite="Strict",
        )

    def forget(response: Response) -> None:
        for name in (SESSION_COOKIE, CSRF_COOKIE, IDLE_COOKIE):
            response.delete_cookie(
                name, path=PREFIX, secure=secure, httponly=True, samesite="Strict"
            )

    @server.before_request
    def guard() -> Response | None:
        """Refuse cross-site POSTs, and Dash callbacks without the session's CSRF token."""
        request = flask.request
        if request.method != "POST":
            return None
        if not same_origin(
            request.headers.get("Origin"), request.headers.get("Referer"), request.host_url
        ):
            return Response("cross-site request refused", status=403)
        if (
            request.path in _DASH_POST_PATHS
            and request.cookies.get(SESSION_COOKIE)
            and not csrf_ok(request.cookies, request.headers.get(CSRF_HEADER))
        ):
            return Response("missing or wrong CSRF token; reload the page", status=403)
        return None

    @server.post("/auth/login")
    def sign_in() -> Response:
        form = flask.request.form
        username, password = form.get("username", ""), form.get("password", "")
        try:
            session = c.api.sign_in(username, password)
        except api_errors.ApiUnavailable:
            return flask.redirect(href("login?error=unavailable"), code=303)
        except api_errors.ApiError as exc:
            reason = "locked" if exc.status in (423, 429) else "credentials"
            return flask.redirect(href(f"login?error={reason}"), code=303)
        response = flask.redirect(href(""), code=303)
        max_age = _SESSION_FALLBACK_S
        if session.expires_at is not None:
            max_age = max(int((session.expires_at - c.clock()).total_seconds()), 60)
        cookie(response, SESSION_COOKIE, session.token, max_age, http_only=True)
        # Readable by the page so Dash's renderer can echo it in the CSRF header.
        cookie(response, CSRF_COOKIE, csrf_for(session.token), max_age, http_only=False)
        if session.idle_timeout_s:
            # Not a secret: lets the page leave an unattended screen (assets/idle.js).
            cookie(response, IDLE_COOKIE, str(session.idle_timeout_s), max_age, http_only=False)
        return response

    @server.post("/auth/logout")
    def sign_out() -> Response:
        request = flask.request
        token = request.cookies.get(SESSION_COOKIE)
        if token and not csrf_ok(request.cookies, request.form.get(CSRF_FIELD)):
            return Response("missing or wrong CSRF token; reload the page", status=403)
        if token:
            # Already expired or revoked: the cookie goes either way.
            with contextlib.suppress(api_errors.ApiError):
                c.api.sign_out(token)
        response = flask.redirect(href("login?error=signed_out"), code=303)
        forget(response)
        return response

    @server.get("/lang")
    def switch_language() -> Response:
        args = flask.request.args
        lang = pick_language(args.get("to"))
        target = args.get("next") or href("")
        # Only paths of the dashboard itself: no open redirect.
        if not target.startswith(PREFIX) or "//" in target or "\\" in target:
            target = href("")
        response = flask.redirect(target, code=303)
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=_LANG_MAX_AGE_S,
            path=PREFIX,
            secure=secure,
            httponly=False,
            samesite="Strict",
        )
        return response

    del sign_in, sign_out, switch_language, guard  # registered on the server


def language_links(current: str) -> list[tuple[str, str]]:
    """(code, URL) of each other language, for tests and the shell."""
    return [
        (code, f"{href('lang')}?{urlencode({'to': code})}")
        for code in available_languages()
        if code != current
    ]


__all__ = ["Translator", "WearmonDash", "create_dashboard", "language_links"]
