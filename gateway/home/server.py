"""The home check-in page, served by the gateway on the home network (standard library).

Routes (JSON in and out unless noted):

| method and path | what |
|---|---|
| GET / | the page (static HTML, CSS and JavaScript from ``gateway/home/static``) |
| GET /api/home?lang=ko | labels, the paired participants, check-ins in progress |
| GET /api/participants/{id}/week?lang=ko | plain sentences about the participant's week |
| POST /api/participants/{id}/checkin/start | ``{"instrument": "gds15"}``: start or resume |
| POST /api/participants/{id}/checkin/event | ``{"instrument", "event": "yes"}`` and the like |
| GET /speech/{sha256}.wav | a spoken prompt (audio/wav) |

No login: the page offers only the participants paired with this gateway in its config,
and the API refuses check-ins of anybody not bound to the gateway. Against DNS
rebinding (a web page elsewhere pointing its own name at the gateway's address to read
the JSON), requests must name the gateway as an IP address, ``localhost`` or the
gateway's host name (with or without ``.local``) in their ``Host`` header; others get
421 Misdirected Request. The server is a
``ThreadingHTTPServer`` (one thread per request): a home has one tablet, and handlers
block only on SQLite, espeak-ng and the week summary's short HTTP call.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import re
import socket
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any, Final
from zoneinfo import ZoneInfo

from checkins.dialogue import DialogueError
from gateway.home.checkin import HomeCheckins, UnknownParticipantError
from gateway.home.speech import Speech
from gateway.home.texts import DEFAULT_LANG, LANGS, labels, week_summary

log = logging.getLogger(__name__)

_MAX_BODY: Final = 4096  # an event is a few dozen bytes
_STATIC: Final = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/home.css": ("home.css", "text/css; charset=utf-8"),
    "/static/home.js": ("home.js", "text/javascript; charset=utf-8"),
}
_PARTICIPANT: Final = re.compile(r"^/api/participants/([^/]+)/(week|checkin/start|checkin/event)$")

WeekSource = Callable[[str], Mapping[str, Any] | None]


def own_names() -> frozenset[str]:
    """The names this gateway answers to besides IP addresses: localhost, its host name
    and the host name under ``.local`` (how a tablet finds it by mDNS)."""
    name = socket.gethostname().lower().rstrip(".")
    return frozenset({"localhost", name, f"{name}.local"})


def host_allowed(host_header: str | None, names: frozenset[str]) -> bool:
    """True when the ``Host`` header names this gateway: an IP literal (a rebinding
    attacker needs a domain name of their own) or one of ``names``."""
    if not host_header:
        return False
    host = host_header.strip().lower()
    if host.startswith("["):  # [IPv6]:port
        host = host[1 : host.find("]")] if "]" in host else host
    elif host.count(":") == 1:  # name:port or IPv4:port
        host = host.rsplit(":", 1)[0]
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host.rstrip(".") in names
    return True


@dataclass(frozen=True, slots=True)
class HomeApp:
    """What the handlers use: check-ins, speech, the week source and the time zone."""

    checkins: HomeCheckins
    speech: Speech
    week: WeekSource
    zone: ZoneInfo


class _RequestError(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


def _lang(query: Mapping[str, list[str]], body: Mapping[str, Any] | None = None) -> str:
    lang = (body or {}).get("lang") or query.get("lang", [DEFAULT_LANG])[0]
    if lang not in LANGS:
        raise _RequestError(
            HTTPStatus.UNPROCESSABLE_ENTITY, f"lang {lang!r}: expected one of {', '.join(LANGS)}"
        )
    return str(lang)


class _Handler(BaseHTTPRequestHandler):
    server: _HomeServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("home page %s: " + format, self.client_address[0], *args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        try:
            if not host_allowed(self.headers.get("Host"), self.server.names):
                raise _RequestError(
                    HTTPStatus.MISDIRECTED_REQUEST,
                    f"Host {self.headers.get('Host')!r} is not this gateway: open the page "
                    "by the gateway's address (e.g. http://192.168.0.10:8088/) or its name",
                )
            if method == "GET" and url.path in _STATIC:
                self._static(*_STATIC[url.path])
            elif method == "GET" and url.path.startswith("/speech/"):
                self._audio(url.path.removeprefix("/speech/"))
            elif method == "GET" and url.path == "/api/home":
                self._json(self._home(_lang(query)))
            else:
                self._participant(method, url.path, query)
        except _RequestError as exc:
            self._json({"error": str(exc)}, exc.status)
        except UnknownParticipantError as exc:
            self._json({"error": str(exc)}, HTTPStatus.NOT_FOUND)
        except DialogueError as exc:
            self._json({"error": str(exc)}, HTTPStatus.CONFLICT)
        except Exception:
            log.exception("home page: %s %s failed", method, url.path)
            self._json(
                {"error": "internal error; see the gateway log"}, HTTPStatus.INTERNAL_SERVER_ERROR
            )

    def _participant(self, method: str, path: str, query: Mapping[str, list[str]]) -> None:
        match = _PARTICIPANT.match(path)
        if match is None:
            raise _RequestError(HTTPStatus.NOT_FOUND, f"no page at {path}")
        pid, what = urllib.parse.unquote(match[1]), match[2]
        app = self.server.app
        if what == "week":
            if method != "GET":
                raise _RequestError(HTTPStatus.METHOD_NOT_ALLOWED, f"{path} takes GET")
            lang = _lang(query)
            app.checkins.status(pid)  # unknown participant -> 404 before any network call
            self._json({"lines": week_summary(app.week(pid), lang, app.zone)})
            return
        if method != "POST":
            raise _RequestError(HTTPStatus.METHOD_NOT_ALLOWED, f"{path} takes POST")
        body = self._body()
        lang = _lang(query, body)
        instrument = body.get("instrument")
        if instrument is not None and not isinstance(instrument, str):
            raise _RequestError(HTTPStatus.UNPROCESSABLE_ENTITY, "instrument: expected a string")
        event = body.get("event")
        if what == "checkin/event" and not isinstance(event, str):
            raise _RequestError(HTTPStatus.UNPROCESSABLE_ENTITY, "event: expected a string")
        try:
            if what == "checkin/start":
                self._json(app.checkins.begin(pid, instrument, lang))
            else:
                self._json(app.checkins.answer(pid, instrument, str(event), lang))
        except (UnknownParticipantError, DialogueError):
            raise
        except (ValueError, LookupError) as exc:
            raise _RequestError(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc)) from None

    def _home(self, lang: str) -> dict[str, Any]:
        app = self.server.app
        people = [
            {"participant_id": pid, "name": name, **app.checkins.status(pid)}
            for pid, name in app.checkins.names.items()
        ]
        offered = [
            {"instrument": i.id, "title": i.title.get(lang, i.id), "schedule": i.schedule}
            for i in app.checkins.instruments.values()
        ]
        return {
            "lang": lang,
            "labels": dict(labels(lang)),
            "participants": people,
            "checkins": offered,
            "speech": app.speech.available,
        }

    def _body(self) -> dict[str, Any]:
        # JSON only: a page elsewhere on the web cannot send that cross-origin without a
        # CORS preflight, which this server never grants (no cross-site answering).
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise _RequestError(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                f"Content-Type: expected application/json, found {content_type or 'none'!r}",
            )
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            raise _RequestError(HTTPStatus.BAD_REQUEST, "Content-Length: not a number") from None
        if length > _MAX_BODY:
            raise _RequestError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body: at most {_MAX_BODY} bytes"
            )
        raw = self.rfile.read(length) if length else b"{}"
        try:
            data = json.loads(raw)
        except ValueError:
            raise _RequestError(HTTPStatus.BAD_REQUEST, "body: expected a JSON object") from None
        if not isinstance(data, dict):
            raise _RequestError(HTTPStatus.BAD_REQUEST, "body: expected a JSON object")
        return data

    def _static(self, name: str, content_type: str) -> None:
        data = (resources.files("gateway.home") / "static" / name).read_bytes()
        self._send(HTTPStatus.OK, data, content_type, cache="no-cache")

    def _audio(self, name: str) -> None:
        path = self.server.app.speech.path_of(name)
        if path is None:
            raise _RequestError(HTTPStatus.NOT_FOUND, f"no spoken prompt {name!r}")
        # Named by the hash of voice, rate and text: the content never changes.
        self._send(HTTPStatus.OK, path.read_bytes(), "audio/wav", cache="max-age=31536000")

    def _json(self, value: object, status: HTTPStatus = HTTPStatus.OK) -> None:
        data = json.dumps(value, ensure_ascii=False).encode("utf-8")
        self._send(status, data, "application/json; charset=utf-8", cache="no-store")

    def _send(self, status: HTTPStatus, data: bytes, content_type: str, *, cache: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", cache)
        self.send_header("X-Content-Type-Options", "nosniff")
        # Only this page's own files; it may not be framed by another site.
        self.send_header("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
        if status >= HTTPStatus.BAD_REQUEST:
            # The request's body may be unread (too large, malformed): never parse it as
            # the next request on this connection.
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)


class _HomeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: HomeApp) -> None:
        self.app = app
        self.names = own_names()
        super().__init__(address, _Handler)


class HomePage:
    """The page's HTTP server, bound at construction (so a busy port fails at once)."""

    def __init__(self, host: str, port: int, app: HomeApp) -> None:
        self._server = _HomeServer((host, port), app)
        self.app = app

    @property
    def url(self) -> str:
        """Where the page answers (the bound port, also when 0 was asked for)."""
        host, port = self._server.socket.getsockname()[:2]
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
        return f"http://{shown}:{port}"

    async def serve(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set, then close the socket."""
        thread = threading.Thread(target=self._server.serve_forever, name="home-page", daemon=True)
        thread.start()
        host, port = self._server.socket.getsockname()[:2]
        if host in ("0.0.0.0", "::"):
            log.info(
                "home check-in page on every address of this gateway: open "
                "http://<its home-network address>:%d/ on the tablet (here: %s)",
                port,
                self.url,
            )
        else:
            log.info("home check-in page at %s", self.url)
        # The first visit should not wait for espeak-ng: render the fixed prompts now.
        threading.Thread(target=self.prerender, name="home-speech", daemon=True).start()
        try:
            await stop.wait()
        finally:
            self._server.shutdown()
            await asyncio.to_thread(thread.join, 10.0)
            self.close()

    def close(self) -> None:
        """Close the listening socket (also when the page never served)."""
        self._server.server_close()

    def prerender(self, langs: tuple[str, ...] = LANGS) -> int:
        """Render every fixed prompt ahead (blocking); the number rendered or cached."""
        done = 0
        for lang in langs:
            for text in self.app.checkins.prompts(lang):
                with contextlib.suppress(Exception):
                    done += self.app.speech.render(text, lang) is not None
        return done
