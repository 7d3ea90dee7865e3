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
from counter.services import backup
from counter.services.setup import DEMO_USERS, database_is_new, initialize

log = logging.getLogger("counter")
BACKUP_CHECK_SECONDS = 15 * 60


def daily_backups(app: object, directory: Path, keep: int) -> None:
    """Take the day's backup at the first chance, then check again every 15 minutes."""
    while True:
        with app.app_context():  # type: ignore[attr-defined]
            try:
                path = backup.daily_backup(directory, keep)
            except CounterError as err:
                log.warning("Không sao lưu tự động được: %s", err.message)
                return
            except Exception:
                log.exception("Sao lưu tự động lỗi")
            else:
                if path:
                    log.info("Đã sao lưu tự động: %s", path)
        time.sleep(BACKUP_CHECK_SECONDS)


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
    with app.app_context():
        demo = database_is_new() and not args.no_demo
        report = initialize(demo=demo)
        sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    if sqlite:
        threading.Thread(
            target=daily_backups,
            args=(app, Path(app.config["BACKUP_DIR"]), app.config["BACKUP_KEEP"]),
            name="daily-backup",
            daemon=True,
        ).start()

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
    serve(app, host=host, port=port, threads=8, channel_timeout=30)


if __name__ == "__main__":
    main()
