"""The terms of Decree 118/2025 and Circular 03/2025, written the way they are."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: «Bộ phận Một cửa» is a name: "Một cửa" capitalised, as the decree writes it.
LOWER_CASE_NAME = re.compile(r"[Bb]ộ phận một cửa")


def test_the_one_stop_unit_is_named_with_capitals_in_every_screen_and_printout() -> None:
    found = []
    for folder, pattern in (("counter", "*.py"), ("templates", "*.html"), ("static", "*.js")):
        for path in sorted((ROOT / folder).rglob(pattern)):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if LOWER_CASE_NAME.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}")
    assert found == []
