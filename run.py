"""Start the counter: bring the database up to date, then serve with waitress.

python run.py              # a new database gets the demo office, accounts and data
python run.py --no-demo    # first start of a real office: no demo data
"""

from __future__ import annotations

import argparse
import logging
import threading
import time
from pathlib import Path

from waitress import serve

from counter import create_app
from counter.domain.errors import CounterError
from counter.domain.retention import Retention
from counter.portal.status import sync_every
from counter.services import backup, instance_lock
from counter.services.setup import DEMO_USERS, database_is_new, initialize

log = logging.getLogger("counter")
BACKUP_CHECK_SECONDS = 15 * 60


def daily_backups(app: object, directory: Path, retention: Retention) -> None:
    """Take the day's backup at the first chance, then check again every 15 minutes."""
    min_free = int(app.config["BACKUP_MIN_FREE_MB"]) * 1024 * 1024  # type: ignore[attr-defined]
    while True:
        with app.app_context():  # type: ignore[attr-defined]
            try:
                path = backup.daily_backup(directory, retention)
            except CounterError as err:
                log.warning("Không sao lưu tự động được: %s", err.message)
            except Exception:
                log.exception("Sao lưu tự động lỗi")
            else:
                if path:
                    log.info("Đã sao lưu tự động: %s", path)
                    _warn_if_disk_low(directory, min_free)
        time.sleep(BACKUP_CHECK_SECONDS)


def _warn_if_disk_low(directory: Path, min_free: int) -> None:
    space = backup.space_report(directory, min_free)
    if space.low:
        log.warning(
            "Ổ đĩa chứa bản sao lưu sắp đầy: còn trống %.1f GB, cần ít nhất %.1f GB "
            "cho lần sao lưu sau. Xem trang Quản trị › Sao lưu dữ liệu.",
            space.free / 1024**3,
            space.needed / 1024**3,
        )


def configure_logging() -> None:
    """The software's one logging set-up: INFO and above to the console, with the time.

    Done before anything else, so the migrations (migrations/env.py) leave it alone.
    """
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Phần mềm một cửa cấp xã")
    parser.add_argument("--no-demo", action="store_true", help="không nạp dữ liệu mẫu")
    args = parser.parse_args()
    configure_logging()

    app = create_app()
    app.load_web()  # the pages now: a broken one stops the start, not a citizen's request
    # Held while serving, so `flask restore` refuses to run beside the server.
    lock = instance_lock.acquire(Path(app.instance_path))
    if lock is None:
        raise SystemExit(
            "Phần mềm đã đang chạy trên máy này (hoặc đang khôi phục dữ liệu), "
            f"với thư mục {app.instance_path}. Không mở thêm một bản nữa."
        )
    with app.app_context():
        demo = database_is_new() and not args.no_demo
        report = initialize(demo=demo)
        sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    if sqlite:
        threading.Thread(
            target=daily_backups,
            args=(app, Path(app.config["BACKUP_DIR"]), backup.retention_from(app.config)),
            name="daily-backup",
            daemon=True,
        ).start()

    every = int(app.config.get("PORTAL_EVERY") or 0)
    if every > 0 and app.config.get("PORTAL_URL"):
        # Its own thread: a portal that is slow or down never holds a request's thread.
        threading.Thread(
            target=sync_every, args=(app, every), name="portal-sync", daemon=True
        ).start()
        log.info("Đồng bộ tự động lên cổng mỗi %s phút.", every)

    host, port = app.config["HOST"], app.config["PORT"]
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    print(f"\nPhần mềm một cửa đang chạy tại: http://{shown}:{port}/")
    if demo:
        print("Tài khoản mẫu (tên đăng nhập / mật khẩu):")
        for username, _name, title, _role, password, must_change in DEMO_USERS:
            extra = " — phải đổi mật khẩu khi đăng nhập lần đầu" if must_change else ""
            print(f"  {username} / {password}  ({title}){extra}")
    elif report.admin_password:
        print(f"Tài khoản quản trị: admin / {report.admin_password} (đổi khi đăng nhập lần đầu)")
    print("Nhấn Ctrl+C để dừng.\n")
    try:
        serve(app, host=host, port=port, threads=8, channel_timeout=30)
    finally:
        lock.release()


if __name__ == "__main__":
    main()
