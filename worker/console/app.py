"""The console's web application (Starlette, Jinja2 templates): three read-only pages and one action.

``GET /articles`` the list, ``GET /articles/<id>`` one article, ``GET /failures`` the dead
letters by reason, ``POST /articles/<id>/retry`` what ``khabar failed retry <id>`` does.
Every page sits behind HTTP basic auth (the credentials Flower takes) unless the app was
built for a trusted network; the one form carries an HMAC token (CSRF), and the answer
forbids scripts, frames and anything from another origin (Content-Security-Policy).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from khabar.worker.console import render
from khabar.worker.console.reader import STATUSES, ConsoleReader, Cursor

HERE = Path(__file__).resolve().parent
# Entity types with the name the legend gives them; the colours are in static/console.css.
ENTITY_TYPES = (("PERS", "person"), ("LOC", "place"), ("ORG", "organisation"), ("MISC", "other"))
SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
     b"base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]

Credentials = Sequence[tuple[str, str]]


def parse_credentials(value: str) -> list[tuple[str, str]]:
    """``user:password[,user:password...]`` (Flower's ``--basic-auth`` form) as pairs; ValueError if malformed."""
    pairs = []
    for entry in value.split(","):
        user, sep, password = entry.strip().partition(":")
        if not sep or not user or not password:
            raise ValueError("credentials must be user:password, comma-separated for several")
        pairs.append((user, password))
    return pairs


class BasicAuth:
    """ASGI middleware: 401 to any request without one of ``credentials`` (``/healthcheck`` excepted)."""

    def __init__(self, app: ASGIApp, credentials: Credentials) -> None:
        self.app = app
        self.credentials = [(u.encode(), p.encode()) for u, p in credentials]

    def allowed(self, header: bytes | None) -> bool:
        if not header or not header[:6].lower() == b"basic ":
            return False
        try:
            user, _, password = base64.b64decode(header[6:].strip(), validate=True).partition(b":")
        except (binascii.Error, ValueError):
            return False
        # Compare with every pair, whatever matched: the time taken says nothing about which.
        ok = False
        for u, p in self.credentials:
            ok |= hmac.compare_digest(user, u) & hmac.compare_digest(password, p)
        return ok

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] != "/healthcheck":
            if not self.allowed(dict(scope["headers"]).get(b"authorization")):
                response = PlainTextResponse("authentication required\n", 401, headers={
                    "WWW-Authenticate": 'Basic realm="khabar console", charset="UTF-8"'})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class SecurityHeaders:
    """ASGI middleware: the headers of SECURITY_HEADERS on every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, sending if scope["type"] == "http" else send)


def age(at: float | None, now: float | None = None) -> str:
    """``at`` as how long ago, in the largest whole unit (``42 s``, ``7 min``, ``3 h``, ``12 d``)."""
    if not at:
        return ""
    seconds = max(0.0, (now or time.time()) - at)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds)} s"


def utc(at: float | None) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if at else ""


def create_app(reader: ConsoleReader, *, credentials: Credentials | None, retry: Callable[[str], str] | None,
               secret: bytes | None = None, page_size: int = 50) -> Starlette:
    """The console on ``reader``'s store.

    ``credentials``: the user:password pairs let in; None only for a trusted network (no
    authentication at all; the caller decides that, explicitly).  ``retry``: requeues one
    failed article and returns the outcome line (None: no retry button).  ``secret`` keys
    the CSRF tokens (default: random, so tokens last as long as the process).
    """
    key = secret or secrets.token_bytes(32)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    env.filters.update(age=age, utc=utc)
    templates = Jinja2Templates(env=env)

    def token(article_id: str) -> str:
        return hmac.new(key, b"retry\0" + article_id.encode(), hashlib.sha256).hexdigest()

    def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
        counts = reader.counts()
        context = {"base": request.scope.get("root_path", ""), "queues": reader.queue_depths(),
                   "counts": counts, "counts_every": f"{reader.counts_ttl:g}", "indexes": reader.index_sizes(),
                   "now": time.time(),
                   "statuses": STATUSES, **context}
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    def home(request: Request) -> Response:
        return RedirectResponse(request.scope.get("root_path", "") + "/articles", 303)

    def health(request: Request) -> Response:
        return PlainTextResponse("OK\n")

    def articles(request: Request) -> Response:
        q = request.query_params
        status = q.get("status") if q.get("status") in STATUSES else None
        source = (q.get("source") or "").strip() or None
        try:
            cursor = Cursor.parse(q.get("after"))
        except ValueError:
            return PlainTextResponse("bad cursor\n", 400)
        result = reader.articles(status, source, cursor, page_size=page_size)
        filters = {k: v for k, v in (("status", status), ("source", source)) if v}
        next_query = urlencode({**filters, "after": str(result.next)}) if result.next else None
        return page(request, "articles.html", {
            "result": result, "status": status, "source": source, "sources": reader.sources(),
            "next_query": next_query, "first_page": cursor == Cursor(), "filters": urlencode(filters)})

    def article(request: Request) -> Response:
        article_id = request.path_params["article_id"]
        data = reader.article(article_id)
        if data is None:
            return page(request, "missing.html", {"article_id": article_id}, status_code=404)
        doc = data["document"]
        context: dict[str, Any] = {
            "a": data, "doc": doc, "types": ENTITY_TYPES, "notice": request.query_params.get("notice"),
            "can_retry": retry is not None and data["status"] == "failed",
            "csrf": token(article_id) if data["status"] == "failed" else ""}
        if doc:
            context.update(items=render.page_items(doc), entities=render.entity_rows(doc),
                           unplaced=render.unplaced_mentions(doc),
                           names=[e["text"] for e in doc.get("entities") or ()])
        return page(request, "article.html", context)

    async def retry_article(request: Request) -> Response:
        article_id = request.path_params["article_id"]
        origin = request.headers.get("origin")
        if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
            return PlainTextResponse("cross-site request refused\n", 403)
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        if not hmac.compare_digest((form.get("csrf") or [""])[0], token(article_id)):
            return PlainTextResponse("missing or wrong form token; reload the page and try again\n", 403)
        if retry is None:
            return PlainTextResponse("retrying is switched off in this console\n", 405)
        outcome = await run_in_threadpool(retry, article_id)
        where = (request.scope.get("root_path", "") + "/articles/" + quote(article_id, safe="/") + "?"
                 + urlencode({"notice": outcome}))
        return RedirectResponse(where, 303)

    def failures(request: Request) -> Response:
        groups, total = reader.failures_by_reason()
        return page(request, "failures.html", {"groups": groups, "total": total,
                                                "shown": sum(len(items) for _, items in groups)})

    if credentials is not None and not credentials:
        raise ValueError("no credentials given: pass some, or credentials=None for a trusted network")
    middleware = [Middleware(SecurityHeaders)]
    if credentials is not None:
        middleware.append(Middleware(BasicAuth, credentials=credentials))
    return Starlette(middleware=middleware, routes=[
        Route("/", home),
        Route("/healthcheck", health),
        Route("/articles", articles),
        # Ids may hold slashes: the retry route (POST only) is tried first, and a GET of an id
        # that ends in /retry still finds the article.
        Route("/articles/{article_id:path}/retry", retry_article, methods=["POST"]),
        Route("/articles/{article_id:path}", article),
        Route("/failures", failures),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ])
