"""Operations commands: ``khabar flower`` (Flower against khabar's broker)."""

from __future__ import annotations

import os
from typing import Annotated

import typer


def flower(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 5555,
    address: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: all).")] = "127.0.0.1",
    basic_auth: Annotated[
        str | None,
        typer.Option(help="user:password (comma-separated for several). Prefer FLOWER_BASIC_AUTH in the "
                          "environment: Flower reads it, and a flag shows in the process list."),
    ] = None,
    unauthenticated_api: Annotated[
        bool, typer.Option("--unauthenticated-api", help="Allow the HTTP API without authentication.")
    ] = False,
    url_prefix: Annotated[str | None, typer.Option(help="Serve under this path (behind a proxy).")] = None,
) -> None:
    """Start Flower (web UI and HTTP API) on the broker the workers use: celery -A khabar.worker.app flower."""
    from khabar.worker.cli.main import _celery

    mod = _celery(ctx)
    argv = ["flower", f"--port={port}", f"--address={address}"]
    if basic_auth:
        argv.append(f"--basic-auth={basic_auth}")
    if url_prefix:
        argv.append(f"--url-prefix={url_prefix}")
    if unauthenticated_api:
        # Flower reads this one from the environment only, when a request comes in.
        os.environ["FLOWER_UNAUTHENTICATED_API"] = "true"
    elif not (basic_auth or os.environ.get("FLOWER_BASIC_AUTH")):
        typer.echo("flower: no --basic-auth or FLOWER_BASIC_AUTH: the HTTP API answers 401 to every request "
                   "(give credentials, or --unauthenticated-api on a trusted network)", err=True)
    raise typer.Exit(mod.app.start(argv) or 0)


def register(app: typer.Typer) -> None:
    app.command("flower")(flower)
