"""The web side of file imports (calendar schedule, procedure catalog): one flow for both.

upload → parse → preview with row errors → confirm → apply, all or nothing. The
service parses the file into an :class:`~counter.domain.imports.ImportPreview`
(rows and line errors, shown by ``templates/_partials/row_errors.html``) and applies
it in one transaction, reading the file again; each step goes through
:func:`~counter.web.forms.run_form`. The views only read the upload
(:func:`read_upload`) and carry the file from the preview to the confirm step:

* a small text file (the schedule CSV) goes back in the confirm form itself, so the
  preview is the answer to the upload;
* a file of several MB, maybe binary (the catalog's XLSX), is kept on the server
  (:class:`UploadStash`) and the preview is a page of its own, read again from it.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterable
from pathlib import Path, PurePath
from typing import Any

from flask import current_app, session
from wtforms import Field

from counter.domain.errors import ValidationError


def read_upload(field: Field, max_bytes: int, missing: str) -> tuple[str, bytes]:
    """The chosen file's name (without folders) and at most ``max_bytes`` + 1 of its bytes,
    so the service can tell a file that is too big without reading all of it.

    Raises ValidationError with ``missing`` (an ``N_`` msgid) on the field when no file
    was chosen.
    """
    upload = field.data
    name = PurePath(str(getattr(upload, "filename", "") or "").replace("\\", "/")).name
    if not name:
        raise ValidationError(missing, field=field.short_name)
    return name, upload.read(max_bytes + 1)


_TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


class UploadStash:
    """An upload kept under instance/imports until it is confirmed or cancelled.

    The file is named by a random token only; the token, the file's name and the
    import's own values (a decision number…) are in the session under ``key``.
    Uploads neither confirmed nor cancelled go after ``max_age`` seconds.
    """

    def __init__(self, key: str, extensions: Iterable[str], max_age: int = 24 * 3600) -> None:
        self.key = key
        self.extensions = frozenset(extensions)
        self.max_age = max_age

    def _folder(self) -> Path:
        return Path(current_app.instance_path) / "imports"

    def _path(self, token: str, ext: str) -> Path | None:
        """The kept file of a session's token; None for anything not ours."""
        if not _TOKEN_RE.match(token or "") or ext not in self.extensions:
            return None
        return self._folder() / f"{token}{ext}"

    def put(self, filename: str, data: bytes, **values: str) -> None:
        """Keep ``data`` (replacing this session's kept file) with ``values`` for the confirm."""
        self.drop()
        folder = self._folder()
        folder.mkdir(parents=True, exist_ok=True)
        cutoff = time.time() - self.max_age
        for old in folder.iterdir():
            if old.is_file() and old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
        token, ext = secrets.token_hex(16), PurePath(filename).suffix.lower()
        path = self._path(token, ext)
        assert path is not None
        path.write_bytes(data)
        session[self.key] = {"token": token, "ext": ext, "filename": filename, **values}

    def get(self) -> tuple[dict[str, Any], bytes] | None:
        """This session's kept file: (its values, with ``filename``; its bytes), or None."""
        info = session.get(self.key)
        if not isinstance(info, dict):
            return None
        path = self._path(str(info.get("token", "")), str(info.get("ext", "")))
        if path is None or not path.is_file():
            return None
        return info, path.read_bytes()

    def drop(self) -> None:
        """Forget this session's kept file."""
        info = session.pop(self.key, None) or {}
        path = self._path(str(info.get("token", "")), str(info.get("ext", "")))
        if path is not None:
            path.unlink(missing_ok=True)
