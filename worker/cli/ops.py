"""Operations commands: ``khabar flower`` (Flower against khabar's broker, closed by default)."""

from __future__ import annotations

import os
from typing import Annotated

import typer


def close_metrics() -> None:
    """Make Flower's ``/metrics`` ask for the login like every other page (Flower 2.2 serves it to anyone).

    Flower builds its routes from the ``flower.urls.handlers`` list; its entry for
    ``/metrics`` is swapped for a subclass whose ``get`` is ``tornado.web.authenticated``,
    as Flower's other views are.  Prometheus scrapers send basic auth.
    ``tests/ops/test_flower.py`` fails if a Flower upgrade changes this.
    """
    from flower import urls
    from flower.views.monitor import Metrics
    from tornado.web import authenticated

    class AuthenticatedMetrics(Metrics):  # type: ignore[misc]
        get = authenticated(Metrics.get)

    for i, entry in enumerate(urls.handlers):  # tuples and tornado URLSpec objects
        if isinstance(entry, tuple) and entry[:2] == (r"/metrics", Metrics):
            urls.handlers[i] = (entry[0], AuthenticatedMetrics, *entry[2:])


def flower(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 5555,
    address: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: all).")] = "127.0.0.1",
    basic_auth: Annotated[
        str | None,
        typer.Option(help="user:password (comma-separated for several). Prefer KHABAR_FLOWER_BASIC_AUTH (or "
                          "FLOWER_BASIC_AUTH) in the environment: a flag shows in the process list."),
    ] = None,
    no_auth_trusted_network: Annotated[
        bool, typer.Option("--no-auth-trusted-network", "--trusted-network",
                           help="Start with no login at all, UI and API open to anyone who can reach the port "
                                "(--trusted-network: the same, as `khabar console` names it).")
    ] = False,
    unauthenticated_api: Annotated[
        bool, typer.Option("--unauthenticated-api", help="Allow the HTTP API without authentication.")
    ] = False,
    url_prefix: Annotated[str | None, typer.Option(help="Serve under this path (behind a proxy).")] = None,
) -> None:
    """Start Flower (web UI and HTTP API) on the broker the workers use: celery -A khabar.worker.app flower.

    Refuses to start without credentials (--basic-auth, KHABAR_FLOWER_BASIC_AUTH or FLOWER_BASIC_AUTH;
    Flower's own FLOWER_AUTH OAuth setting counts too) unless --no-auth-trusted-network says the network
    is trusted: Flower's UI shows every task's arguments and its API can send and revoke tasks.
    """
    from khabar.worker.cli.main import EXIT_USAGE, _celery, _settings, fail

    settings = _settings(ctx)
    login = basic_auth or (settings.flower_basic_auth.get_secret_value() if settings.flower_basic_auth else None)
    oauth = bool(os.environ.get("FLOWER_AUTH"))
    if not (login or oauth or no_auth_trusted_network):
        fail("khabar flower: no credentials: set KHABAR_FLOWER_BASIC_AUTH=user:password (or give --basic-auth), "
             "or --no-auth-trusted-network to serve Flower to anyone who can reach it", EXIT_USAGE)
    mod = _celery(ctx)
    # Flower reads its broker from the app's connection: the workers' transport class
    # (khabar.worker.transport) would make that "khabar.worker.transport:Transport://...",
    # a scheme Flower's Broker tab and /api/queues/length do not know (404). Flower only
    # watches events, reads queue lengths and sends tasks: kombu's own Redis transport does.
    mod.app.conf.broker_transport = None
    close_metrics()
    argv = ["flower", f"--port={port}", f"--address={address}"]
    if login:
        # Through the environment, which Flower reads, rather than argv, which `ps` shows.
        os.environ["FLOWER_BASIC_AUTH"] = login
    if url_prefix:
        argv.append(f"--url-prefix={url_prefix}")
    if unauthenticated_api or (no_auth_trusted_network and not (login or oauth)):
        # Flower reads this one from the environment only, when a request comes in.
        os.environ["FLOWER_UNAUTHENTICATED_API"] = "true"
    if no_auth_trusted_network and not (login or oauth):
        typer.echo(f"khabar flower: no login (--no-auth-trusted-network): UI and API open to anyone who can reach "
                   f"{address}:{port}", err=True)
    raise typer.Exit(mod.app.start(argv) or 0)


def register(app: typer.Typer) -> None:
    app.command("flower")(flower)
