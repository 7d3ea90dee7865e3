"""The spoken call of the display board: which recorded clips say «Mời số A012 đến quầy số 2».

The board speaks with short clips joined in the browser (no text-to-speech service, so it
works with no Internet): a chime, «Mời số», the ticket's letter as Vietnamese read it on a
ticket, the ticket's number in words, «đến quầy số» and the counter's number in words.
:data:`CLIPS` names every clip and the words it says; ``tools/voice/make_clips.py`` makes
them from this table and the office may replace any of them with its own recording.

How numbers are read (chosen here, documented in the README):

* as a person says them, **without the leading zeros** printed on the ticket:
  A001 «A một», A010 «A mười», A012 «A mười hai», A105 «A một trăm linh năm»,
  B100 «bê một trăm», A1000 «A một nghìn»;
* 1 «một» but 21, 31… «hai mươi mốt»; 5 «năm» but 15, 25… «mười lăm», «hai mươi lăm»;
  4 is always «bốn» (24 «hai mươi bốn»); 10 «mười», 20 «hai mươi»;
* a zero tens digit inside a hundred is «linh» (105 «một trăm linh năm»); inside a
  thousand a zero hundreds digit is «không trăm» (1005 «một nghìn không trăm linh năm»).

Pure: no Flask, no files.
"""

from __future__ import annotations

import re

#: Clip name → the Vietnamese words it says. Names are ASCII (they are file names).
DIGIT_CLIPS = {
    "khong": "không",
    "mot": "một",
    "hai": "hai",
    "ba": "ba",
    "bon": "bốn",
    "nam": "năm",
    "sau": "sáu",
    "bay": "bảy",
    "tam": "tám",
    "chin": "chín",
}
_DIGITS = list(DIGIT_CLIPS)  # index = the digit
WORD_CLIPS = {
    "muoi_10": "mười",  # 10–19
    "muoi": "mươi",  # the tens of 20–99
    "mot_tens": "mốt",  # 1 after a tens word from 20: hai mươi mốt
    "lam": "lăm",  # 5 after a tens word: mười lăm, hai mươi lăm
    "linh": "linh",  # a zero tens digit: một trăm linh năm
    "tram": "trăm",
    "nghin": "nghìn",
}
#: Each letter as Vietnamese read it on a ticket or a car plate.
LETTER_WORDS = {
    "A": "a",
    "B": "bê",
    "C": "xê",
    "D": "dê",
    "E": "e",
    "F": "ép",
    "G": "giê",
    "H": "hát",
    "I": "i",
    "J": "gi",
    "K": "ca",
    "L": "e lờ",
    "M": "em mờ",
    "N": "en nờ",
    "O": "o",
    "P": "pê",
    "Q": "quy",
    "R": "e rờ",
    "S": "ét xì",
    "T": "tê",
    "U": "u",
    "V": "vê",
    "W": "vê kép",
    "X": "ích xì",
    "Y": "i dài",
    "Z": "dét",
}
PHRASE_CLIPS = {
    "moi_so": "Mời số",
    "den_quay_so": "đến quầy số",
}
#: The two soft tones before each call (synthesised, not spoken).
CHIME = "chime"


def letter_clip(letter: str) -> str:
    """The clip name of a ticket letter: ``chu_a`` for A."""
    return f"chu_{letter.lower()}"


#: Every clip the board may play, name → words (the chime's entry describes it).
CLIPS: dict[str, str] = {
    CHIME: "(tiếng chuông: hai nốt nhẹ)",
    **PHRASE_CLIPS,
    **{letter_clip(letter): word for letter, word in LETTER_WORDS.items()},
    **DIGIT_CLIPS,
    **WORD_CLIPS,
}
_CODE_RE = re.compile(r"^([A-Z])(\d{1,4})$")
#: The largest number read in words (tickets pass 999 only on a very busy day).
MAX_NUMBER = 9999


def _below_hundred(n: int) -> list[str]:
    """1–99 in words."""
    tens, units = divmod(n, 10)
    if tens == 0:
        return [_DIGITS[units]]
    words = ["muoi_10"] if tens == 1 else [_DIGITS[tens], "muoi"]
    if units == 1 and tens >= 2:
        words.append("mot_tens")
    elif units == 5:
        words.append("lam")
    elif units:
        words.append(_DIGITS[units])
    return words


def _below_thousand(n: int, *, inner: bool) -> list[str]:
    """0–999 in words; ``inner`` when it follows «nghìn» (a zero hundred is «không trăm»)."""
    hundreds, rest = divmod(n, 100)
    words: list[str] = []
    if hundreds or inner:
        words += [_DIGITS[hundreds], "tram"]
    if rest == 0:
        return words
    if rest < 10 and words:
        return [*words, "linh", _DIGITS[rest]]
    return words + _below_hundred(rest)


def number_clips(n: int) -> list[str]:
    """A whole number 0–9999 as clip names, the way a person reads it (see the module)."""
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"number out of range: {n}")
    if n == 0:
        return ["khong"]
    thousands, rest = divmod(n, 1000)
    if not thousands:
        return _below_thousand(rest, inner=False)
    words = [_DIGITS[thousands], "nghin"]
    if rest:
        words += _below_thousand(rest, inner=True)
    return words


def code_clips(code: str) -> list[str]:
    """A ticket code as clip names: its letter, then its number without leading zeros.

    A code of another shape (none is issued) is spelt character by character.
    """
    value = (code or "").strip().upper()
    match = _CODE_RE.match(value)
    if match:
        letter, digits = match.groups()
        return [letter_clip(letter), *number_clips(int(digits))]
    spelt: list[str] = []
    for char in value:
        if char in LETTER_WORDS:
            spelt.append(letter_clip(char))
        elif char.isdigit():
            spelt.append(_DIGITS[int(char)])
    return spelt


def phrase(code: str, counter: int) -> list[str]:
    """The spoken call «Mời số <code> đến quầy số <counter>» as clip names (no chime)."""
    return ["moi_so", *code_clips(code), "den_quay_so", *number_clips(counter)]


def announcement(code: str, counter: int) -> list[str]:
    """What the board plays for a call: the chime, then the spoken phrase."""
    return [CHIME, *phrase(code, counter)]


def words(clips: list[str]) -> str:
    """The words a list of clips says, for reading a phrase in a test or a log."""
    return " ".join(CLIPS[name] for name in clips if name != CHIME)
