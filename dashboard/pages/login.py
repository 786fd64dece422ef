"""The sign-in page: a plain HTML form posted to the server (works without scripts)."""

from __future__ import annotations

from dash import dcc, html

from dashboard.i18n import Translator
from dashboard.pages.common import href, message

ERRORS = {"credentials", "locked", "expired", "signed_out", "unavailable", "origin"}


def login_page(t: Translator, error: str | None) -> html.Div:
    notes = []
    if error in ERRORS:
        kind = "info" if error == "signed_out" else "error"
        notes.append(message(t(f"login.{error}"), kind))
    return html.Div(
        [
            html.H1(t("login.title")),
            *notes,
            html.Form(
                [
                    html.Label(t("login.username"), htmlFor="username"),
                    dcc.Input(
                        id="username",
                        name="username",
                        type="text",
                        required=True,
                        autoComplete="username",
                        autoFocus=True,
                    ),
                    html.Label(t("login.password"), htmlFor="password"),
                    dcc.Input(
                        id="password",
                        name="password",
                        type="password",
                        required=True,
                        autoComplete="current-password",
                    ),
                    html.Button(
                        t("login.submit"), type="submit", className="button primary", id="sign-in"
                    ),
                ],
                method="POST",
                action=href("auth/login"),
                className="login-form",
            ),
        ],
        className="login",
    )
