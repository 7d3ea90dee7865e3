"""A small, strict ESC/POS reader for tests: finds the GS v 0 raster strips in a job.

It knows only the commands our jobs may contain and fails on anything else, so a
test notices when a job starts sending something new.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

ESC, GS, LF = 0x1B, 0x1D, 0x0A

#: ESC commands and how many parameter bytes follow them.
_ESC_PARAMS = {
    ord("@"): 0,  # initialise
    ord("2"): 0,  # default line spacing
    ord("3"): 1,  # line spacing
    ord("!"): 1,  # print mode (size)
    ord("E"): 1,  # bold
    ord("-"): 1,  # underline
    ord("a"): 1,  # alignment
    ord("d"): 1,  # print and feed n lines
    ord("J"): 1,  # print and feed n dots
    ord("t"): 1,  # code page
    ord("M"): 1,  # font
    ord("G"): 1,  # double strike
    ord("{"): 1,  # upside down
}
_GS_PARAMS = {
    ord("!"): 1,  # character size
    ord("B"): 1,  # reverse printing
}


@dataclass(frozen=True)
class Strip:
    """One GS v 0 raster image."""

    mode: int
    width_bytes: int
    height: int
    data: bytes

    def image(self) -> Image.Image:
        """As a mode '1' image, black = 0 (ESC/POS sets a bit for a black dot)."""
        return Image.frombytes("1", (self.width_bytes * 8, self.height), self.data, "raw", "1;I")


@dataclass
class Decoded:
    """The events of a job, in order: ('cmd', bytes), ('text', bytes), ('lf', b'\\n'), ('strip', Strip)."""

    events: list[tuple[str, object]] = field(default_factory=list)

    @property
    def strips(self) -> list[Strip]:
        return [e for kind, e in self.events if kind == "strip"]  # type: ignore[misc]

    @property
    def commands(self) -> list[bytes]:
        return [e for kind, e in self.events if kind == "cmd"]  # type: ignore[misc]

    def text(self, encoding: str = "cp1258") -> str:
        """The printable text, lines joined by newlines."""
        raw = b"".join(
            e if kind == "text" else b"\n"  # type: ignore[misc]
            for kind, e in self.events
            if kind in ("text", "lf")
        )
        return raw.decode(encoding)

    def image(self) -> Image.Image:
        """All strips stacked: what the printer puts on paper."""
        strips = self.strips
        if not strips:
            raise AssertionError("no GS v 0 image in the job")
        widths = {s.width_bytes for s in strips}
        if len(widths) != 1:
            raise AssertionError(f"strips of different widths: {widths}")
        out = Image.new("1", (strips[0].width_bytes * 8, sum(s.height for s in strips)), 1)
        y = 0
        for s in strips:
            out.paste(s.image(), (0, y))
            y += s.height
        return out

    def strips_are_contiguous(self) -> bool:
        """Nothing (not even a line feed) between the first and the last strip."""
        kinds = [kind for kind, _ in self.events]
        first = kinds.index("strip")
        last = len(kinds) - 1 - kinds[::-1].index("strip")
        return all(k == "strip" for k in kinds[first : last + 1])


def decode(job: bytes) -> Decoded:
    """Parse a job; raises ValueError on a command this reader does not know."""
    out = Decoded()
    i, n = 0, len(job)
    text_start: int | None = None

    def flush_text(end: int) -> None:
        nonlocal text_start
        if text_start is not None and end > text_start:
            out.events.append(("text", job[text_start:end]))
        text_start = None

    while i < n:
        b = job[i]
        if b == ESC:
            flush_text(i)
            if i + 1 >= n or job[i + 1] not in _ESC_PARAMS:
                raise ValueError(f"unknown ESC command at {i}: {job[i : i + 4]!r}")
            size = 2 + _ESC_PARAMS[job[i + 1]]
            out.events.append(("cmd", job[i : i + size]))
            i += size
        elif b == GS:
            flush_text(i)
            cmd = job[i + 1] if i + 1 < n else None
            if cmd == ord("v") and job[i + 2] == ord("0"):
                mode = job[i + 3]
                width_bytes = job[i + 4] | job[i + 5] << 8
                height = job[i + 6] | job[i + 7] << 8
                start = i + 8
                end = start + width_bytes * height
                if end > n:
                    raise ValueError(f"GS v 0 at {i} runs past the end of the job")
                out.events.append(("strip", Strip(mode, width_bytes, height, job[start:end])))
                i = end
            elif cmd == ord("V"):
                size = 4 if job[i + 2] in (65, 66) else 3
                out.events.append(("cmd", job[i : i + size]))
                i += size
            elif cmd in _GS_PARAMS:
                size = 2 + _GS_PARAMS[cmd]
                out.events.append(("cmd", job[i : i + size]))
                i += size
            else:
                raise ValueError(f"unknown GS command at {i}: {job[i : i + 4]!r}")
        elif b == LF:
            flush_text(i)
            out.events.append(("lf", b"\n"))
            i += 1
        else:
            if text_start is None:
                text_start = i
            i += 1
    flush_text(n)
    return out
