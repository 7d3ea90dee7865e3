"""A counter that receives dossiers with scans until it is killed (for the crash test).

Run as ``python -m tests.faults.crash_worker INSTANCE_DIR``. It imports the app once,
then, for each ``run SEED`` line on stdin, forks a child that receives dossiers with
one to three scans in a loop, on the real app and the SQLite file
``INSTANCE_DIR/counter.db``, until the test kills it with SIGKILL. It answers with
the child's pid, the child says ``warm`` once its first dossier is saved, and the
worker says ``exited STATUS`` once the child is gone. Forking from an
imported app keeps each run a fraction of a second.
"""

from __future__ import annotations

import io
import os
import random
import sys
import traceback
from pathlib import Path

from counter import create_app
from counter.extensions import db
from counter.models import Procedure, User
from counter.services import Actor
from counter.services.reception import DocumentLine, ReceptionInput, receive
from counter.services.scans import Upload


def _receive_forever(app: object, seed: int) -> None:
    rng = random.Random(seed)
    with app.app_context():  # type: ignore[attr-defined]
        db.engine.dispose(close=False)  # never share a connection with the parent
        user = db.session.scalar(db.select(User).where(User.username == "tiepnhan"))
        officer = Actor.for_user(user, "127.0.0.1")
        procedure_id = db.session.scalar(
            db.select(Procedure.id).where(Procedure.national_code == "2.000815")
        )
        n = 0
        while True:
            if n == 1:  # one dossier in: the test's random moment starts from here
                print("warm", flush=True)
            n += 1
            scans = [
                Upload(
                    f"ban-quet-{i}.pdf",
                    io.BytesIO(b"%PDF-1.4\n" + rng.randbytes(rng.randint(20_000, 300_000))),
                    document=0,
                )
                for i in range(rng.randint(1, 3))
            ]
            receive(
                officer,
                ReceptionInput(
                    procedure_id=procedure_id,
                    applicant_name=f"Người nộp {seed} {n}",
                    id_number=f"0011900{rng.randint(0, 99999):05d}",
                    address="Mường Phăng",
                    documents=[DocumentLine("Bản chính giấy tờ", "original", 1)],
                    confirm_duplicate=True,
                ),
                scans,
            )


def main() -> None:
    instance = Path(sys.argv[1])
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "DATABASE_URL": f"sqlite:///{instance / 'counter.db'}",
            "SECRET_KEY": "crash-test",
            "BACKUP_DIR": str(instance / "backups"),
        }
    )
    print("ready", flush=True)
    for line in sys.stdin:
        command = line.split()
        if not command or command[0] == "quit":
            return
        pid = os.fork()
        if pid == 0:
            try:
                _receive_forever(app, int(command[1]))
            except BaseException:
                traceback.print_exc()
                sys.stderr.flush()
                os._exit(3)
            os._exit(0)
        print(pid, flush=True)
        _, status = os.waitpid(pid, 0)
        print("exited", os.waitstatus_to_exitcode(status), flush=True)


if __name__ == "__main__":
    main()
