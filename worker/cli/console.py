"""``khabar console``: the read-only web view of the articles (khabar.worker.console), served by uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer


def console(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 5556,
    address: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: all).")] = "127.0.0.1",
    basic_auth: Annotated[
        str | None,
        typer.Option(envvar="FLOWER_BASIC_AUTH", show_envvar=True,
                     help="user:password (comma-separated for several): the credentials Flower takes, and read "
                          "from the same FLOWER_BASIC_AUTH. Prefer the variable: a flag shows in the process list."),
    ] = None,
    trusted_network: Annotated[
        bool, typer.Option("--trusted-network", help="Serve without authentication (only where every client is "
                                                     "trusted: a private network, an SSH tunnel).")
    ] = False,
    url_prefix: Annotated[str, typer.Option(help="Serve under this path (behind a proxy).")] = "",
    page_size: Annotated[int, typer.Option(min=1, max=500, help="Articles per page of the list.")] = 50,
    no_retry: Annotated[bool, typer.Option("--no-retry", help="No retry button: strictly read-only.")] = False,
    counts_every: Annotated[
        float, typer.Option(min=1, help="Seconds between counts by status (a keyspace scan, in the background).")
    ] = 60.0,
) -> None:
    """Serve the article console: the articles, one article as a reader sees it, the failures."""
    if not basic_auth and not trusted_network:
        typer.echo("console: refusing to start without credentials: give --basic-auth user:password or "
                   "FLOWER_BASIC_AUTH (the same as Flower's), or --trusted-network to serve without them", err=True)
        raise typer.Exit(2)
    try:
        import uvicorn

        from khabar.worker.console.app import create_app, parse_credentials
        from khabar.worker.console.reader import ConsoleReader
    except ModuleNotFoundError as exc:
        typer.echo(f"console: {exc.name} is not installed: pip install 'khabar[console]'", err=True)
        raise typer.Exit(2) from None
    from khabar.worker.cli.main import _celery, _store
    from khabar.worker.retry import retry_failed
    from khabar.worker.routing import all_queue_names

    try:
        credentials = parse_credentials(basic_auth) if basic_auth else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--basic-auth / FLOWER_BASIC_AUTH") from None
    if credentials is None:
        typer.echo("console: --trusted-network: serving without authentication", err=True)
    settings = _celery(ctx).settings
    store = _store(ctx)
    reader = ConsoleReader(store, all_queue_names(settings.queue_prefix),
                           counts_ttl=counts_every)

    def retry(article_id: str) -> str:
        return "; ".join(retry_failed(store, [article_id], _celery(ctx).app))

    app = create_app(reader, credentials=credentials, retry=None if no_retry else retry, page_size=page_size)
    uvicorn.run(app, host=address, port=port, root_path=url_prefix.rstrip("/"), server_header=False,
                log_level="info")


def register(app: typer.Typer) -> None:
    app.command("console")(console)
