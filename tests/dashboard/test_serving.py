"""The dashboard is served under /dashboard/ on the API's port; the API keeps its JSON 404s;
cookies, CSRF and cross-site checks hold on every POST."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from dashboard.app import create_dashboard
from dashboard.session import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, csrf_for
from ingest.settings import ServerSettings
from wearmon.web import create_web_app, loopback_url


@pytest.fixture
async def web() -> AsyncIterator[httpx.AsyncClient]:
    # No lifespan: these requests never reach the database.
    settings = ServerSettings(database_url="postgresql://nobody@/nowhere", port=18799)
    transport = httpx.ASGITransport(app=create_web_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_unknown_api_paths_are_still_json_404s(web: httpx.AsyncClient) -> None:
    response = await web.get("/api/v1/no-such-route")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"detail": "Not Found"}
    other = await web.get("/not-dashboard")
    assert other.headers["content-type"].startswith("application/json")


async def test_the_dashboard_is_served_under_its_prefix_in_korean_by_default(
    web: httpx.AsyncClient,
) -> None:
    assert (await web.get("/dashboard")).headers["location"] == "/dashboard/"
    page = await web.get("/dashboard/")
    assert page.status_code == 200
    assert '<html lang="ko">' in page.text
    assert "불러오는 중" in page.text  # progress, never a blank page
    assert 'src="/dashboard/_dash-component-suites/' in page.text
    layout = await web.get("/dashboard/_dash-layout", headers={"Accept-Encoding": "gzip"})
    assert layout.status_code == 200
    assert layout.headers["content-encoding"] == "gzip"


async def test_the_language_switch_sets_a_cookie_and_the_html_lang(web: httpx.AsyncClient) -> None:
    switched = await web.get("/dashboard/lang", params={"to": "en", "next": "/dashboard/alerts"})
    assert switched.status_code == 303
    assert switched.headers["location"] == "/dashboard/alerts"
    assert "SameSite=Strict" in switched.headers["set-cookie"]
    web.cookies.set("wearmon_lang", "en")
    page = await web.get("/dashboard/")
    assert '<html lang="en">' in page.text
    assert "Loading" in page.text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/api/v1/x"])
async def test_the_language_switch_is_not_an_open_redirect(
    web: httpx.AsyncClient, target: str
) -> None:
    response = await web.get("/dashboard/lang", params={"to": "en", "next": target})
    assert response.headers["location"] == "/dashboard/"


def test_loopback_url_for_wildcard_binds() -> None:
    assert loopback_url("0.0.0.0", 8000) == "http://127.0.0.1:8000"
    assert loopback_url("::1", 8000) == "http://[::1]:8000"


def _fake_token_api(seen: list[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/api/v1/auth/token":
            body = json.loads(request.content)
            if body == {"username": "nurse", "password": "right"}:
                expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)
                return httpx.Response(
                    200,
                    json={
                        "access_token": "tok-123",
                        "token_type": "bearer",
                        "expires_at": expires.isoformat(),
                        "idle_timeout_s": 1800,
                    },
                )
            return httpx.Response(401, json={"detail": "sign-in failed"})
        if request.url.path == "/api/v1/auth/logout":
            return httpx.Response(200, json={"ok": True})
        return httpx.Response(404, json={"detail": "Not Found"})

    return httpx.MockTransport(handle)


def test_sign_in_sets_only_an_httponly_strict_session_cookie() -> None:
    seen: list[httpx.Request] = []
    app = create_dashboard("http://api.test", transport=_fake_token_api(seen))
    client = app.server.test_client()
    response = client.post(
        "/auth/login",
        data={"username": "nurse", "password": "right"},
        headers={"Origin": "http://localhost"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard/"
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    session = cookies[SESSION_COOKIE]
    assert "tok-123" in session
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/dashboard/"):
        assert attribute in session
    csrf = cookies[CSRF_COOKIE]
    assert "HttpOnly" not in csrf
    assert "tok-123" not in csrf
    assert csrf_for("tok-123") in csrf
    assert cookies["wearmon_idle"].startswith("wearmon_idle=1800;")
    wrong = client.post(
        "/auth/login",
        data={"username": "nurse", "password": "wrong"},
        headers={"Origin": "http://localhost"},
    )
    assert wrong.headers["Location"] == "/dashboard/login?error=credentials"
    assert "Set-Cookie" not in wrong.headers


def test_cross_site_posts_are_refused() -> None:
    seen: list[httpx.Request] = []
    client = create_dashboard(
        "http://api.test", transport=_fake_token_api(seen)
    ).server.test_client()
    response = client.post(
        "/auth/login",
        data={"username": "nurse", "password": "right"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert seen == []  # the API was never asked


def test_callbacks_with_a_session_need_its_csrf_token() -> None:
    seen: list[httpx.Request] = []
    client = create_dashboard(
        "http://api.test", transport=_fake_token_api(seen)
    ).server.test_client()
    client.set_cookie(SESSION_COOKIE, "tok-123")
    body = {
        "output": "..page.children...redirect.children...languages.children..",
        "outputs": [
            {"id": "page", "property": "children"},
            {"id": "redirect", "property": "children"},
            {"id": "languages", "property": "children"},
        ],
        "inputs": [
            {"id": "url", "property": "pathname", "value": "/dashboard/login"},
            {"id": "url", "property": "search", "value": ""},
        ],
        "changedPropIds": ["url.pathname"],
        "state": [],
    }
    refused = client.post("/_dash-update-component", json=body)
    assert refused.status_code == 403
    forged = client.post("/_dash-update-component", json=body, headers={CSRF_HEADER: "f" * 64})
    assert forged.status_code == 403
    passed = client.post(
        "/_dash-update-component", json=body, headers={CSRF_HEADER: csrf_for("tok-123")}
    )
    assert passed.status_code == 200
    assert "로그인" in json.dumps(passed.get_json(), ensure_ascii=False)


def test_sign_out_needs_the_csrf_token_and_revokes_at_the_api() -> None:
    seen: list[httpx.Request] = []
    client = create_dashboard(
        "http://api.test", transport=_fake_token_api(seen)
    ).server.test_client()
    client.set_cookie(SESSION_COOKIE, "tok-123")
    assert client.post("/auth/logout", data={}).status_code == 403
    response = client.post("/auth/logout", data={"csrf_token": csrf_for("tok-123")})
    assert response.status_code == 303
    assert [r.url.path for r in seen] == ["/api/v1/auth/logout"]
    assert seen[0].headers["Authorization"] == "Bearer tok-123"
    assert any(c.startswith(f"{SESSION_COOKIE}=;") for c in response.headers.getlist("Set-Cookie"))
