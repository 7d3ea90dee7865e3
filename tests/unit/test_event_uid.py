"""An event's identity (its MaTienDo at the portal): unique, unguessable, and given in
time order, so the unique index takes each new one at its end instead of at a random page
of millions (a page read from disk on every reception of a large office)."""

from __future__ import annotations

import re
import time

from counter.models.dossiers import new_event_uid


def test_an_event_uid_is_32_hex_characters_as_the_column_holds() -> None:
    for _ in range(100):
        assert re.fullmatch(r"[0-9a-f]{32}", new_event_uid())


def test_later_uids_sort_after_earlier_ones() -> None:
    given = []
    for _ in range(5):
        given.append(new_event_uid())
        time.sleep(0.003)
    assert given == sorted(given)


def test_uids_given_in_the_same_moment_differ_and_are_not_a_counter() -> None:
    batch = [new_event_uid() for _ in range(10_000)]
    assert len(set(batch)) == len(batch)
    # The part after the time is random (80 bits): no two share it, and it does not count up.
    tails = [uid[12:] for uid in batch]
    assert len(set(tails)) == len(tails)
    assert tails != sorted(tails)
