"""``flask --app counter sync run|status``: the sync from a terminal or a scheduled task."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from counter.domain.errors import CounterError
from counter.portal import sender

#: Exit codes: 1 something is left pending or parked, 2 another sync is running.
EXIT_LEFT, EXIT_BUSY = 1, 2


@click.group("sync")
def sync_group() -> None:
    """Đồng bộ hồ sơ lên cổng dịch vụ công của tỉnh."""


@sync_group.command("run")
@click.option(
    "--respect-backoff",
    is_flag=True,
    help="Bỏ qua các mục đang chờ đến lần thử lại tự động (khi lịch chạy dày, vài phút một lần).",
)
@with_appcontext
def run_command(respect_backoff: bool) -> None:
    """Gửi mọi mục đang chờ; in «sent N, parked N, pending N»; mã thoát khác 0 nếu còn tồn."""
    try:
        summary = sender.run_sync("cli", respect_backoff=respect_backoff)
    except CounterError as err:
        raise click.ClickException(err.message) from None
    if summary.busy:
        click.echo("Một lần đồng bộ khác đang chạy; lần này không gửi gì.", err=True)
        sys.exit(EXIT_BUSY)
    click.echo(summary.line())
    if summary.failed:
        click.echo(summary.error, err=True)
    if not summary.ok:
        sys.exit(EXIT_LEFT)


@sync_group.command("status")
@with_appcontext
def status_command() -> None:
    """In số mục đang chờ, đã gửi và bị dừng."""
    now = sender.counts()
    click.echo(f"pending {now.pending}, sent {now.sent}, parked {now.parked}")
    if now.oldest_pending is not None:
        click.echo(f"oldest pending since {now.oldest_pending.isoformat(timespec='seconds')}")
