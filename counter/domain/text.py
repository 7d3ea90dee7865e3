"""Text helpers for searching Vietnamese without diacritics."""

from __future__ import annotations

import unicodedata

from counter.domain.i18n import Message, N_

# "đ" is a letter of its own, not "d" plus a mark, so NFD leaves it alone.
_EXTRA_FOLDS = str.maketrans({"đ": "d", "ð": "d"})


def too_long(limit: int, length: int) -> Message:
    """The message for a text longer than its limit: it is said, never cut."""
    return Message(
        N_("Tối đa %(limit)s ký tự (đang có %(length)s ký tự); hãy rút gọn."),
        limit=limit,
        length=length,
    )


def fold(s: str) -> str:
    """Lowercase, drop diacritics (đ→d) and collapse whitespace, for search keys.

    ``fold("Chứng thực  bản sao")`` gives ``"chung thuc ban sao"``, so officers
    and citizens can type without Vietnamese input and still match.
    """
    decomposed = unicodedata.normalize("NFD", s.lower().translate(_EXTRA_FOLDS))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = bare.lower().translate(_EXTRA_FOLDS)
    return " ".join(unicodedata.normalize("NFC", bare).split())
