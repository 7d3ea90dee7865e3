"""Make the display board's voice clips: ``python -m tools.voice.make_clips``.

Writes one short WAV per entry of :data:`counter.domain.voice.CLIPS` into ``static/voice/``
(16 kHz, mono, 16-bit: small, and every browser decodes it), plus ``manifest.json`` listing
each clip, the words it says, its size and SHA-256. The spoken clips come from espeak-ng's
Vietnamese voice (``espeak-ng -v vi``); the chime is two soft tones made here. The same
espeak-ng version gives the same bytes, so running it again changes nothing.

Needs espeak-ng on the PATH (Debian/Ubuntu: ``sudo apt-get install espeak-ng``; Windows:
the ``.msi`` from https://github.com/espeak-ng/espeak-ng/releases). Only whoever changes
the clips needs it: the clips are committed, a fresh install speaks with no setup.
"""

from __future__ import annotations

import argparse
import array
import hashlib
import io
import json
import math
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

from counter.domain.voice import CHIME, CLIPS

RATE = 16000
#: espeak-ng's words per minute: a little slower than its default 175, for a hall.
SPEED = 140
PEAK = 0.7  # of full scale
SILENCE = 400  # amplitude under which a clip's edges are trimmed
MARGIN_S = 0.02
FADE_S = 0.005
ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "static" / "voice"
MANIFEST = "manifest.json"
INSTALL_HINT = (
    "Không tìm thấy espeak-ng. Cài espeak-ng rồi chạy lại:\n"
    "  Debian/Ubuntu: sudo apt-get install espeak-ng\n"
    "  Windows: tải bộ cài .msi ở https://github.com/espeak-ng/espeak-ng/releases\n"
    "(espeak-ng not found: install it, then run this again.)"
)


def espeak_version(exe: str) -> str:
    """The first line of ``espeak-ng --version`` (recorded in the manifest)."""
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[0].split("Data at")[0].strip()


def speak(exe: str, text: str) -> tuple[list[int], int]:
    """Samples and rate of espeak-ng's Vietnamese voice saying ``text``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip.wav"
        subprocess.run([exe, "-v", "vi", "-s", str(SPEED), "-w", str(path), text], check=True)
        with wave.open(str(path)) as w:
            assert w.getnchannels() == 1 and w.getsampwidth() == 2
            rate = w.getframerate()
            samples = array.array("h", w.readframes(w.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    return list(samples), rate


def trim(samples: list[float], rate: int) -> list[float]:
    """The clip without its silent start and end (a short margin kept)."""
    loud = [i for i, s in enumerate(samples) if abs(s) > SILENCE]
    if not loud:
        return samples
    margin = int(MARGIN_S * rate)
    return samples[max(0, loud[0] - margin) : loud[-1] + margin]


def resample(samples: list[float], rate: int, to: int = RATE, taps: int = 12) -> list[float]:
    """Windowed-sinc resampling (low-passed below the new Nyquist, so no aliasing hiss)."""
    if rate == to:
        return list(samples)
    step = rate / to
    cutoff = min(1.0, to / rate) * 0.92
    out = []
    n = len(samples)
    for i in range(int(n / step)):
        t = i * step
        centre = int(t)
        acc = 0.0
        for k in range(centre - taps + 1, centre + taps + 1):
            if 0 <= k < n:
                x = t - k
                arg = math.pi * cutoff * x
                sinc = 1.0 if arg == 0 else math.sin(arg) / arg
                window = 0.5 + 0.5 * math.cos(math.pi * x / taps)
                acc += samples[k] * cutoff * sinc * window
        out.append(acc)
    return out


def shape(samples: list[float], rate: int = RATE) -> list[float]:
    """Peak-normalised, with a few milliseconds' fade at each end (no clicks when joined)."""
    peak = max((abs(s) for s in samples), default=0) or 1.0
    gain = PEAK * 32767 / peak
    fade = max(1, int(FADE_S * rate))
    n = len(samples)
    return [s * gain * min(1.0, i / fade, (n - 1 - i) / fade) for i, s in enumerate(samples)]


def chime(rate: int = RATE) -> list[float]:
    """Two soft tones, high then low (E5, C5), each dying away, with a faint overtone."""
    out: list[float] = []
    for freq, seconds in ((659.25, 0.45), (523.25, 0.6)):
        for i in range(int(seconds * rate)):
            t = i / rate
            attack = min(1.0, t / 0.01)
            decay = math.exp(-t * 4.0)
            tone = math.sin(2 * math.pi * freq * t) + 0.2 * math.sin(4 * math.pi * freq * t)
            out.append(attack * decay * tone)
    return out


def wav_bytes(samples: list[float], rate: int = RATE) -> bytes:
    """A mono 16-bit WAV of ``samples`` (already scaled to the 16-bit range)."""
    data = array.array("h", (max(-32768, min(32767, round(s))) for s in samples))
    if sys.byteorder == "big":
        data.byteswap()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(data.tobytes())
    return buffer.getvalue()


def make(out: Path, exe: str) -> dict:
    """Write every clip and the manifest into ``out``; the manifest as a dict."""
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for name, text in CLIPS.items():
        if name == CHIME:
            samples = shape(chime())
        else:
            raw, rate = speak(exe, text)
            samples = shape(resample(trim([float(s) for s in raw], rate), rate))
        data = wav_bytes(samples)
        (out / f"{name}.wav").write_bytes(data)
        entries.append(
            {
                "name": name,
                "file": f"{name}.wav",
                "text": text,
                "seconds": round(len(samples) / RATE, 3),
                "bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
        print(f"{name}.wav  {len(data):6d} B  {text}")
    manifest = {
        "generator": "python -m tools.voice.make_clips",
        "voice": f"{espeak_version(exe)} -v vi -s {SPEED}",
        "format": f"WAV PCM 16-bit mono {RATE} Hz",
        "clips": entries,
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=1) + "\n"
    (out / MANIFEST).write_text(text, encoding="utf-8")
    total = sum(e["bytes"] for e in entries)
    print(f"{len(entries)} clips, {total / 1024:.0f} KiB in {out}")
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Command line: where to write (default static/voice) and which espeak-ng to run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--espeak", default="espeak-ng")
    args = parser.parse_args(argv)
    exe = shutil.which(args.espeak)
    if exe is None:
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    make(args.out, exe)
    return 0


if __name__ == "__main__":
    sys.exit(main())
