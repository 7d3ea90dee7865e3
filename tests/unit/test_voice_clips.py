"""The shipped voice clips: the manifest and the files in static/voice agree, and every clip
the phrase builder may ask for is shipped."""

from __future__ import annotations

import hashlib
import json
import wave
from pathlib import Path

from counter.domain.voice import CLIPS

VOICE = Path(__file__).resolve().parents[2] / "static" / "voice"


def _manifest() -> dict:
    return json.loads((VOICE / "manifest.json").read_text(encoding="utf-8"))


def test_the_manifest_lists_exactly_the_files_shipped():
    listed = {entry["file"] for entry in _manifest()["clips"]}
    shipped = {path.name for path in VOICE.glob("*.wav")}
    assert listed == shipped


def test_each_file_is_the_one_the_manifest_describes():
    for entry in _manifest()["clips"]:
        data = (VOICE / entry["file"]).read_bytes()
        assert len(data) == entry["bytes"], entry["file"]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]
        with wave.open(str(VOICE / entry["file"])) as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16000)
            seconds = w.getnframes() / w.getframerate()
        assert 0.1 < seconds < 2.5, entry["file"]
        assert abs(seconds - entry["seconds"]) < 0.01


def test_the_manifest_says_what_the_phrase_builder_means():
    texts = {entry["name"]: entry["text"] for entry in _manifest()["clips"]}
    assert texts == CLIPS


def test_the_clips_stay_small():
    assert sum(p.stat().st_size for p in VOICE.glob("*.wav")) < 1_000_000


def test_the_generator_says_what_to_install_without_espeak(tmp_path, capsys):
    from tools.voice.make_clips import main

    assert main(["--out", str(tmp_path), "--espeak", "no-such-espeak-ng"]) == 2
    assert "apt-get install espeak-ng" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
