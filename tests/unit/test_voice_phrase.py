"""The board's spoken call: the clips, and the words they say, for tickets and counters."""

from __future__ import annotations

import pytest

from counter.domain.voice import CHIME, CLIPS, announcement, code_clips, number_clips, phrase, words


@pytest.mark.parametrize(
    ("code", "counter", "spoken"),
    [
        ("A001", 2, "Mời số a một đến quầy số hai"),
        ("A010", 1, "Mời số a mười đến quầy số một"),
        ("A012", 2, "Mời số a mười hai đến quầy số hai"),
        ("A105", 3, "Mời số a một trăm linh năm đến quầy số ba"),
        ("B100", 4, "Mời số bê một trăm đến quầy số bốn"),
        ("C021", 5, "Mời số xê hai mươi mốt đến quầy số năm"),
        ("D115", 1, "Mời số dê một trăm mười lăm đến quầy số một"),
        ("A1000", 1, "Mời số a một nghìn đến quầy số một"),
        ("A1005", 1, "Mời số a một nghìn không trăm linh năm đến quầy số một"),
    ],
)
def test_the_call_says_the_number_as_a_person_does(code, counter, spoken):
    assert words(phrase(code, counter)) == spoken


def test_the_exact_clips_of_a001_at_counter_2():
    assert phrase("A001", 2) == ["moi_so", "chu_a", "mot", "den_quay_so", "hai"]
    assert announcement("A001", 2) == [CHIME, "moi_so", "chu_a", "mot", "den_quay_so", "hai"]


@pytest.mark.parametrize(
    ("code", "clips"),
    [
        ("A001", ["chu_a", "mot"]),
        ("A010", ["chu_a", "muoi_10"]),
        ("A012", ["chu_a", "muoi_10", "hai"]),
        ("A105", ["chu_a", "mot", "tram", "linh", "nam"]),
        ("B100", ["chu_b", "mot", "tram"]),
    ],
)
def test_ticket_codes_of_the_issue(code, clips):
    assert code_clips(code) == clips


COUNTERS = {
    1: "một",
    2: "hai",
    3: "ba",
    4: "bốn",
    5: "năm",
    6: "sáu",
    7: "bảy",
    8: "tám",
    9: "chín",
    10: "mười",
    11: "mười một",
    12: "mười hai",
    13: "mười ba",
    14: "mười bốn",
    15: "mười lăm",
    16: "mười sáu",
    17: "mười bảy",
    18: "mười tám",
    19: "mười chín",
    20: "hai mươi",
}


@pytest.mark.parametrize(("number", "spoken"), COUNTERS.items())
def test_counter_numbers_1_to_20(number, spoken):
    assert words(phrase("A001", number)) == f"Mời số a một đến quầy số {spoken}"


@pytest.mark.parametrize(
    ("number", "spoken"),
    [
        (0, "không"),
        (21, "hai mươi mốt"),
        (25, "hai mươi lăm"),
        (55, "năm mươi lăm"),
        (99, "chín mươi chín"),
        (101, "một trăm linh một"),
        (110, "một trăm mười"),
        (111, "một trăm mười một"),
        (999, "chín trăm chín mươi chín"),
        (2020, "hai nghìn không trăm hai mươi"),
    ],
)
def test_numbers_in_words(number, spoken):
    assert words(number_clips(number)) == spoken


def test_every_number_uses_known_clips_only():
    for number in range(0, 10000):
        assert set(number_clips(number)) <= set(CLIPS)


def test_every_letter_has_its_clip_and_a_strange_code_is_spelt():
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        assert set(code_clips(f"{letter}001")) <= set(CLIPS)
    assert words(code_clips("AB12")) == "a bê một hai"


def test_a_number_out_of_range_is_refused():
    with pytest.raises(ValueError):
        number_clips(10000)
