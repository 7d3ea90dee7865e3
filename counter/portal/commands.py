"""``flask --app counter sync run|pull|status|export|receipt``: the sync from a terminal or a scheduled task.

``sync run`` sends what is pending, then pulls the online submissions (``sync
pull`` alone does the second); after a restore it first checks what the portal
holds (``sync check`` does that alone, at any time).

The sync's modules are imported by each command, not here: ``flask --help`` lists the
commands without loading the models and the sync (see :class:`counter.CounterApp`).
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext

from counter.domain.errors import CounterError
from counter.services import Actor

if TYPE_CHECKING:
    from counter.portal.pull import PullSummary

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
    from counter.portal import sender

    try:
        summary = sender.run_sync("cli", respect_backoff=respect_backoff)
    except CounterError as err:
        raise click.ClickException(err.message) from None
    if summary.busy:
        click.echo("Một lần đồng bộ khác đang chạy; lần này không gửi gì.", err=True)
        sys.exit(EXIT_BUSY)
    if summary.checked is not None:  # the check a restore asked for ran first
        click.echo(summary.checked.line())
        for code in summary.checked.missing:
            click.echo(f"  có trên cổng, không có tại máy: {code}", err=True)
    click.echo(summary.line())
    if summary.failed:
        click.echo(summary.error, err=True)
    # Then the online submissions come down (after the push: what we owe goes first).
    pulled = _pull("cli", quiet=True)
    if not summary.ok or pulled.failed:
        sys.exit(EXIT_LEFT)


def _pull(trigger: str, *, quiet: bool) -> PullSummary:
    """Run one pull and print its line (``quiet``: only when it has news) and skipped values."""
    from counter.portal import pull

    try:
        pulled = pull.run_pull(trigger)
    except CounterError as err:
        raise click.ClickException(err.message) from None
    if pulled.news or not quiet:
        click.echo(pulled.line())
    for key, reason, _shown in pulled.skipped:
        click.echo(f"  {key or '?'}: {reason}", err=True)
    if pulled.failed:
        click.echo(pulled.error, err=True)
    return pulled


@sync_group.command("pull")
@with_appcontext
def pull_command() -> None:
    """Lấy hồ sơ công dân nộp trực tuyến (trạng thái 1) từ cổng về danh sách chờ tiếp nhận."""
    if _pull("cli", quiet=False).failed:
        sys.exit(EXIT_LEFT)


@sync_group.command("check")
@with_appcontext
def check_command() -> None:
    """So với cổng: nhận ra trạng thái cổng đã có, giữ lại trạng thái cũ hơn, liệt kê hồ sơ thiếu."""
    from counter.portal import pull, sender
    from counter.portal.client import PortalClient, Transient

    settings = sender.portal_settings()
    if not settings.url:
        raise click.ClickException("Chưa cấu hình địa chỉ cổng dịch vụ công (COUNTER_PORTAL_URL).")
    holder = sender.new_holder()  # no sync may send while the check marks and parks
    if not sender.acquire_lease(holder, timedelta(seconds=4 * settings.timeout + 60)):
        click.echo("Một lần đồng bộ khác đang chạy; lần này không kiểm tra.", err=True)
        sys.exit(EXIT_BUSY)
    try:
        checked = pull.run_check(PortalClient(settings), agency=settings.agency)
    except Transient as err:
        click.echo(str(err), err=True)
        sys.exit(EXIT_LEFT)
    finally:
        sender.release_lease(holder)
    click.echo(checked.line())
    for code in checked.missing:
        click.echo(f"  có trên cổng, không có tại máy: {code}")


@sync_group.command("status")
@with_appcontext
def status_command() -> None:
    """In số mục đang chờ, đã gửi và bị dừng."""
    from counter.portal import sender

    now = sender.counts()
    click.echo(f"pending {now.pending}, sent {now.sent}, parked {now.parked}")
    if now.oldest_pending is not None:
        click.echo(f"oldest pending since {now.oldest_pending.isoformat(timespec='seconds')}")


@sync_group.command("export")
@click.argument("path", type=click.Path(path_type=Path))
@with_appcontext
def export_command(path: Path) -> None:
    """Ghi mọi mục đang chờ thành một gói dữ liệu (mang lên tỉnh bằng USB) tại PATH."""
    from counter.portal import bundle

    try:
        built = bundle.export_to(Actor.system("cli"), path)
    except CounterError as err:
        raise click.ClickException(err.message) from None
    click.echo(f"{built.file_name}: {built.bundle.count} mục, mã gói {built.bundle.bundle_id}")


@sync_group.command("receipt")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def receipt_command(file: Path) -> None:
    """Nạp biên nhận FILE của cổng: đánh dấu đã gửi các mục cổng nhận, dừng các mục bị từ chối."""
    from counter.portal import bundle

    try:
        applied = bundle.apply_receipt(Actor.system("cli"), file.read_bytes())
    except CounterError as err:
        raise click.ClickException(err.message) from None
    if applied.already:
        click.echo("Biên nhận này đã được nạp trước đó; không có gì thay đổi.")
    else:
        click.echo(f"accepted {applied.accepted}, rejected {applied.rejected}")
