"""Pieces shared by the pages: the shell, severity badges, messages, the path helpers."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from dash import dcc, html

from dashboard.i18n import Translator, available_languages
from dashboard.ids import Id
from dashboard.model.severity import mark_for
from dashboard.session import CSRF_FIELD

PREFIX = "/dashboard/"


def aria(**attrs: str) -> dict[str, Any]:
    """``aria-*`` attributes (Dash passes them through; typed kwargs cannot spell them)."""
    return {f"aria-{k}": v for k, v in attrs.items()}


def data(**attrs: str) -> dict[str, Any]:
    return {f"data-{k}": v for k, v in attrs.items()}


def href(path: str = "") -> str:
    return PREFIX + path.lstrip("/")


def badge(priority: str | None, t: Translator) -> html.Span:
    """Shape, word and colour together (WCAG 1.4.1: colour is never the only cue)."""
    mark = mark_for(priority)
    word = t(f"priority.{mark.priority}") if mark.priority else t("priority.none")
    return html.Span(
        [html.Span(mark.glyph, **aria(hidden="true")), " ", word],
        className=f"badge badge-{(mark.priority or 'none').lower()}",
        style={"backgroundColor": mark.colour},
    )


def message(text: str, kind: str = "info") -> html.Div:
    role = "alert" if kind == "error" else "status"
    return html.Div(text, className=f"message message-{kind}", role=role)


def language_links(t: Translator, current_path: str) -> list[html.A]:
    """Links to the other languages that come back to ``current_path``."""
    back = quote(current_path if current_path.startswith(PREFIX) else PREFIX, safe="/")
    return [
        html.A(
            t(f"language.switch_to.{code}"),
            href=f"{href('lang')}?to={code}&next={back}",
            className="lang-link",
            lang=code,
        )
        for code in available_languages()
        if code != t.lang
    ]


def shell(t: Translator, csrf: str | None, current_path: str) -> html.Div:
    """Header with navigation, language switch and sign-out around the page container."""
    signed_in = csrf is not None
    nav = []
    if signed_in:
        nav = [
            dcc.Link(t("nav.triage"), href=href(""), className="nav-link"),
            dcc.Link(t("nav.alerts"), href=href("alerts"), className="nav-link"),
            dcc.Link(t("nav.burden"), href=href("burden"), className="nav-link"),
        ]
    languages = [html.Span(language_links(t, current_path), id=Id.LANGUAGES)]
    sign_out = []
    if signed_in:
        sign_out = [
            html.Form(
                [
                    dcc.Input(type="hidden", name=CSRF_FIELD, value=csrf),
                    html.Button(
                        t("nav.sign_out"),
                        type="submit",
                        className="button secondary",
                        id="sign-out",
                    ),
                ],
                method="POST",
                action=href("auth/logout"),
                className="sign-out",
            )
        ]
    return html.Div(
        [
            html.A(t("skip_to_content"), href="#main", className="skip-link"),
            html.Header(
                [
                    html.Div(t("app.title"), className="app-title"),
                    html.Nav(nav, className="nav", **aria(label=t("nav.label"))),
                    html.Div([*languages, *sign_out], className="header-actions"),
                ],
                className="header",
            ),
            dcc.Location(id=Id.URL),
            html.Div(id=Id.REDIRECT),
            html.Main(
                dcc.Loading(
                    html.Div(html.P(t("loading"), className="loading-text"), id=Id.PAGE),
                    type="circle",
                    delay_show=150,
                    overlay_style={"visibility": "visible", "opacity": 0.6},
                ),
                id="main",
                tabIndex="-1",
            ),
        ],
        className="app",
    )
