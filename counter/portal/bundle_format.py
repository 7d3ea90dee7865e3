"""The USB bundle and its receipt as bytes: sealed with HMAC-SHA256, checked before any use.

Pure Python (no Flask, no database): the counter writes bundles and reads
receipts with it, the portal simulator reads bundles and writes receipts.

A sealed file is three header lines and a body::

    COUNTER-BUNDLE 1            (or COUNTER-RECEIPT 1)
    {"bundle_id": ..., "sha256": ..., "size": ..., ...}   (the manifest, one JSON line)
    <hex HMAC-SHA256 of the manifest line with the office's sync key>
    <body: gzip-compressed JSON lines for a bundle, plain JSON for a receipt>

The signature covers the manifest, and the manifest the body's size and SHA-256,
so a truncated file (a stick pulled mid-write), a changed byte anywhere, or a
file signed with another office's key is refused before anything is applied.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from counter.domain.errors import CounterError
from counter.domain.i18n import N_

BUNDLE_MAGIC = b"COUNTER-BUNDLE 1"
RECEIPT_MAGIC = b"COUNTER-RECEIPT 1"
#: The manifest line is short; a longer first lines means this is not our file.
MAX_HEADER = 64 * 1024

#: Why a sealed file is refused (codes; each side words them for its reader).
NOT_A_BUNDLE, NOT_A_RECEIPT, TRUNCATED, ALTERED, WRONG_KEY = (
    "not_a_bundle",
    "not_a_receipt",
    "truncated",
    "altered",
    "wrong_key",
)


class SealError(CounterError):
    """The file cannot be trusted; ``code`` is one of the reasons above (each side words it)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(N_("Tệp không qua được bước kiểm tra chữ ký và tổng kiểm tra."))
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Sealed:
    """A checked file: its manifest and its body (still compressed for a bundle)."""

    manifest: dict[str, Any]
    body: bytes


def sign(key: str, data: bytes) -> str:
    """The hex HMAC-SHA256 of ``data`` with ``key``."""
    return hmac.new(key.encode("utf-8"), data, hashlib.sha256).hexdigest()


def seal(magic: bytes, manifest: dict[str, Any], body: bytes, key: str) -> bytes:
    """The whole file: header lines (manifest with the body's size and hash, signed) and body."""
    manifest = {**manifest, "size": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    line = json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return b"\n".join([magic, line, sign(key, line).encode("ascii"), body])


def unseal(data: bytes, magic: bytes, key: str) -> Sealed:
    """Check ``data`` against ``key``; raise :class:`SealError` with the reason when it fails."""
    kind = NOT_A_BUNDLE if magic == BUNDLE_MAGIC else NOT_A_RECEIPT
    parts = data.split(b"\n", 3)
    if parts[0] != magic:
        raise SealError(kind, "no header")
    if len(parts) < 4:
        raise SealError(TRUNCATED, "header cut short")
    _, line, signature, body = parts
    if len(line) > MAX_HEADER:
        raise SealError(kind, "header too long")
    try:
        manifest = json.loads(line)
    except ValueError:
        raise SealError(ALTERED, "manifest is not JSON") from None
    if not isinstance(manifest, dict):
        raise SealError(ALTERED, "manifest is not an object")
    if not hmac.compare_digest(signature, sign(key, line).encode("ascii")):
        raise SealError(WRONG_KEY, "signature does not match")
    if len(body) < int(manifest.get("size", -1)):
        raise SealError(TRUNCATED, f"{len(body)} of {manifest.get('size')} bytes")
    if len(body) != manifest.get("size") or (
        hashlib.sha256(body).hexdigest() != manifest.get("sha256")
    ):
        raise SealError(ALTERED, "content checksum differs")
    return Sealed(manifest, body)


def pack_lines(lines: Iterable[dict[str, Any]]) -> bytes:
    """JSON lines, gzip-compressed (fixed mtime: the same lines give the same bytes)."""
    raw = b"".join(json.dumps(x, ensure_ascii=False).encode("utf-8") + b"\n" for x in lines)
    return gzip.compress(raw, mtime=0)


def unpack_lines(body: bytes) -> Iterator[dict[str, Any]]:
    """The JSON lines of a checked bundle body."""
    try:
        raw = gzip.decompress(body)
    except (OSError, EOFError) as err:
        raise SealError(ALTERED, f"not gzip: {err}") from None
    for number, line in enumerate(raw.splitlines(), 1):
        try:
            value = json.loads(line)
        except ValueError:
            raise SealError(ALTERED, f"line {number} is not JSON") from None
        if not isinstance(value, dict):
            raise SealError(ALTERED, f"line {number} is not an object")
        yield value
