"""``flask --app counter ...`` commands: thin wrappers over services."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app, has_app_context
from flask.cli import ScriptInfo, with_appcontext

from counter.domain import clock
from counter.domain.errors import CounterError, NotFound
from counter.services import Actor


def _fail(err: CounterError) -> None:
    raise click.ClickException(err.message)


@click.command("init")
@click.option("--demo", is_flag=True, help="Thêm dữ liệu mẫu (đơn vị, tài khoản, hồ sơ).")
@with_appcontext
def init_command(demo: bool) -> None:
    """Nâng cấp cơ sở dữ liệu và nạp dữ liệu tham chiếu (chạy lại không thay đổi gì)."""
    from counter.services.setup import initialize

    report = initialize(demo=demo)
    click.echo("Cơ sở dữ liệu đã ở phiên bản mới nhất.")
    for note in report.notes:
        click.echo(f"  - {note}")
    if report.admin_password:
        click.echo(
            f"Tài khoản quản trị đầu tiên: admin / {report.admin_password} "
            "(phải đổi mật khẩu khi đăng nhập lần đầu)."
        )


@click.command("backup")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(directory: Path | None) -> None:
    """Sao lưu cơ sở dữ liệu (khi phần mềm đang chạy) vào DIRECTORY."""
    from counter.services import backup

    target = directory or Path(current_app.config["BACKUP_DIR"])
    try:
        path = backup.backup_now(
            Actor.system("cli"),
            target,
            retention=None if directory else backup.retention_from(current_app.config),
        )
    except CounterError as err:
        _fail(err)
    else:
        click.echo(str(path))


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Không hỏi lại.")
@with_appcontext
def restore_command(file: Path, yes: bool) -> None:
    """Khôi phục cơ sở dữ liệu từ tệp sao lưu FILE (.db.gz hoặc .db; dừng phần mềm trước)."""
    from counter.services import audit, backup
    from counter.services import transaction as tx

    if not yes:
        click.confirm(
            "Khôi phục sẽ thay toàn bộ dữ liệu hiện tại bằng bản sao lưu. Tiếp tục?", abort=True
        )
    try:
        safety = backup.restore(file, Path(current_app.config["BACKUP_DIR"]))
    except CounterError as err:
        _fail(err)
    else:
        with tx():
            audit.record(Actor.system("cli"), "backup_restored", file.name, f"safety={safety.name}")
        click.echo(f"Đã khôi phục từ {file}. Dữ liệu trước khi khôi phục được giữ ở {safety}.")


@click.command("set-password")
@click.argument("username")
@with_appcontext
def set_password_command(username: str) -> None:
    """Đặt mật khẩu tạm cho tài khoản USERNAME (khi quên mật khẩu quản trị)."""
    from counter.services.setup import set_password

    try:
        password = set_password(username)
    except CounterError as err:
        _fail(err)
    else:
        click.echo(f"Mật khẩu tạm của {username}: {password} (phải đổi khi đăng nhập).")


@click.command("unlock")
@click.argument("username")
@with_appcontext
def unlock_command(username: str) -> None:
    """Mở khóa đăng nhập cho USERNAME: xóa các lần nhập sai mật khẩu đang buộc phải chờ."""
    from counter.services.accounts import unlock

    try:
        done = unlock(Actor.system("cli"), username)
    except NotFound:
        raise click.ClickException(f"Không có tài khoản {username}.") from None
    except CounterError as err:
        _fail(err)
        return
    if not done.addresses:
        click.echo(f"Tài khoản {done.username} không bị chặn đăng nhập; không có gì để mở.")
        return
    click.echo(
        f"Đã mở khóa đăng nhập cho {done.username}: xóa {done.failures} lần nhập sai "
        f"từ {len(done.addresses)} địa chỉ ({', '.join(done.addresses)})."
    )


@click.command("due-date")
@click.option(
    "--received", default="", help='Thời điểm nhận hồ sơ, giờ Việt Nam: "YYYY-MM-DD HH:MM".'
)
@click.option("--limit", default="", help="Thời hạn giải quyết (số).")
@click.option(
    "--unit",
    default="",
    help="Đơn vị thời hạn: working_days, working_hours, same_day, calendar_days.",
)
@with_appcontext
def due_date_command(received: str, limit: str, unit: str) -> None:
    """In ngày hẹn trả (YYYY-MM-DD HH:MM) theo lịch nghỉ và giờ làm việc của đơn vị."""
    from counter.services.calendar import due_at, parse_due_request

    try:
        when, amount, limit_unit = parse_due_request(received, limit, unit)
        due = due_at(when, amount, limit_unit)
    except CounterError as err:
        click.echo(f"Lỗi: {err.message}", err=True)
        raise SystemExit(1) from None
    click.echo(clock.local_naive(due).strftime("%Y-%m-%d %H:%M"))


@click.group("print")
def print_group() -> None:
    """In phiếu trên máy in nhiệt."""


def _public_base() -> str:
    cfg = current_app.config
    return cfg.get("PUBLIC_URL") or f"http://{cfg['HOST']}:{cfg['PORT']}/"


@print_group.command("slip")
@click.argument("code")
@click.option("--printer", "uri", help="Địa chỉ máy in, ví dụ tcp://192.168.1.50:9100.")
@with_appcontext
def print_slip_command(code: str, uri: str | None) -> None:
    """In giấy tiếp nhận của hồ sơ có mã CODE."""
    from counter.services import printing
    from counter.web.public import lookup_url

    try:
        dossier = printing.find_dossier(code)
        with current_app.test_request_context(base_url=_public_base()):
            url = lookup_url(dossier.code, dossier.lookup_key)
        entry = printing.print_slip(Actor.system("cli"), dossier, url, uri=uri)
    except CounterError as err:
        _fail(err)
    else:
        click.echo(
            f"Đã in giấy tiếp nhận {dossier.code} ({entry.size} byte) tới {entry.printer_label}."
        )


@print_group.command("ticket")
@click.argument("number")
@click.option("--printer", "uri", help="Địa chỉ máy in, ví dụ file:/dev/usb/lp0.")
@with_appcontext
def print_ticket_command(number: str, uri: str | None) -> None:
    """In phiếu số thứ tự NUMBER."""
    from counter.services import printing

    try:
        entry = printing.print_ticket(Actor.system("cli"), number, uri=uri)
    except CounterError as err:
        _fail(err)
    else:
        click.echo(
            f"Đã in phiếu số {number.upper()} ({entry.size} byte) tới {entry.printer_label}."
        )


@click.command("catalog-import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--decision", default="", help='Số quyết định công bố, ví dụ "QĐ 1234/QĐ-UBND".')
@click.option("--date", "decision_date", default="", help="Ngày quyết định, dd/mm/yyyy.")
@click.option("--dry-run", is_flag=True, help="Chỉ xem trước, không lưu.")
@with_appcontext
def catalog_import_command(file: Path, decision: str, decision_date: str, dry_run: bool) -> None:
    """Nhập danh mục thủ tục từ tệp FILE (.csv, .xlsx, .json); tệp có lỗi thì không lưu gì."""
    from datetime import datetime

    from counter.services import catalog

    try:
        preview = catalog.preview_import(file.name, file.read_bytes())
    except CounterError as err:
        _fail(err)
        return
    for line, message in preview.errors:
        click.echo(f"Dòng {line}: {message}", err=True)
    if preview.errors:
        raise click.ClickException(f"Tệp có {len(preview.errors)} lỗi; chưa lưu gì.")
    click.echo(
        f"{len(preview.diff.new)} mới, {len(preview.changed)} sửa đổi, "
        f"{len(preview.diff.abolished)} bãi bỏ, {len(preview.diff.unchanged)} không đổi."
    )
    for warning in preview.warnings:
        click.echo(warning)
    if dry_run:
        return
    try:
        when = datetime.strptime(decision_date, "%d/%m/%Y").date() if decision_date else None
    except ValueError:
        raise click.ClickException("Ngày quyết định phải có dạng dd/mm/yyyy.") from None
    try:
        imp = catalog.apply_import(
            Actor.system("cli"), file.name, file.read_bytes(), decision, when, preview.digest
        )
    except CounterError as err:
        _fail(err)
    else:
        click.echo(f"Đã nhập theo {imp.decision_number}.")


@click.command("report")
@click.option("--from", "start", default="", help="Từ ngày (yyyy-mm-dd hoặc dd/mm/yyyy).")
@click.option("--to", "end", default="", help="Đến ngày (mặc định bằng --from).")
@click.option(
    "--period", default="", help="Hoặc một kỳ: 2026-11 (tháng), 2026-Q4 (quý), 2026 (năm)."
)
@click.option(
    "--xlsx", "xlsx", type=click.Path(dir_okay=False, path_type=Path), help="Ghi tệp XLSX."
)
@click.option(
    "--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="Ghi tệp CSV."
)
@with_appcontext
def report_command(
    start: str, end: str, period: str, xlsx: Path | None, csv_path: Path | None
) -> None:
    """Báo cáo tình hình giải quyết hồ sơ của một kỳ, ra tệp XLSX và/hoặc CSV (chạy theo lịch)."""
    from counter.domain.reports import parse_period
    from counter.services import report_files, reports
    from counter.services.office import get_office

    if xlsx is None and csv_path is None:
        raise click.UsageError("Cần --xlsx FILE hoặc --csv FILE.")
    try:
        chosen = parse_period(start=start, end=end, month_text=period, today=clock.today())
    except CounterError as err:
        _fail(err)
    report = reports.period_report(chosen)
    if xlsx is not None:
        xlsx.write_bytes(report_files.to_xlsx(report, get_office().name))
        click.echo(str(xlsx))
    if csv_path is not None:
        csv_path.write_bytes(report_files.to_csv(report))
        click.echo(str(csv_path))


def web_first(command: click.Command) -> click.Command:
    """``command`` (and a group's subcommands) run with the whole app registered, pages
    included, as the server has it; only listing the commands goes without (see
    :class:`counter.CounterApp`). Idempotent: the commands are shared by every app built."""
    callback = command.callback
    if callback is not None and not getattr(callback, "web_first", False):

        @functools.wraps(callback)
        def run(*args: Any, **kwargs: Any) -> Any:
            if has_app_context():
                app = current_app._get_current_object()  # type: ignore[attr-defined]
            else:  # as with_appcontext finds it (a test's runner pushes no context first)
                app = click.get_current_context().ensure_object(ScriptInfo).load_app()
            if hasattr(app, "load_web"):
                app.load_web()
            return callback(*args, **kwargs)

        run.web_first = True  # type: ignore[attr-defined]
        command.callback = run
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            web_first(sub)
    return command


def register_cli(app: Flask) -> None:
    """Attach the commands to the app."""
    from counter.portal.commands import sync_group

    for command in (
        init_command,
        backup_command,
        restore_command,
        set_password_command,
        unlock_command,
        due_date_command,
        print_group,
        catalog_import_command,
        report_command,
        sync_group,
    ):
        app.cli.add_command(web_first(command))
