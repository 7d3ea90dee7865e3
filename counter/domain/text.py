"""Text helpers for searching Vietnamese without diacritics."""

from __future__ import annotations

import unicodedata

from counter.domain.errors import ValidationError
from counter.domain.i18n import N_, Message

#: The most words a search looks for: each is one LIKE in the query (SQLite refuses a
#: thousand of them: "Expression tree is too large"), and a person types a few.
SEARCH_WORDS_MAX = 10

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


def check_search_words(words: list[str], field: str = "q") -> None:
    """Refuse a search of more than SEARCH_WORDS_MAX words, saying so in Vietnamese."""
    if len(words) > SEARCH_WORDS_MAX:
        raise ValidationError(
            N_("Tìm theo tối đa %(max)s từ (đang có %(count)s từ); hãy bỏ bớt từ."),
            field=field,
            max=SEARCH_WORDS_MAX,
            count=len(words),
        )
