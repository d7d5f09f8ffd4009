"""Text decoding and mojibake detection for content files.

Customer-service text is often pasted from other systems; a file that is not UTF-8, or text
that was decoded twice (``cafÃ©``, ``à°¤``), is reported with the line and, for mojibake, the
text as ftfy repairs it.
"""

from __future__ import annotations

from dataclasses import dataclass

import ftfy
from ftfy.badness import is_bad

BOM = b"\xef\xbb\xbf"
_HINT_WIDTH = 60


class EncodingProblem(ValueError):
    def __init__(self, message: str, line: int, hint: str) -> None:
        super().__init__(message)
        self.message, self.line, self.hint = message, line, hint


@dataclass(frozen=True, slots=True)
class Mojibake:
    line: int
    found: str
    repaired: str


def decode(data: bytes) -> str:
    """Decode a content file as UTF-8 (a BOM is accepted); raise EncodingProblem otherwise."""
    if data.startswith(BOM):
        data = data[len(BOM) :]
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise EncodingProblem(
            "this is a binary file, not Markdown text", line, "remove it or rename it"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        guess = data.decode("cp1252", errors="replace")
        sample = guess.split("\n")[line - 1].strip()[:_HINT_WIDTH]
        raise EncodingProblem(
            f"the file is not valid UTF-8 (byte 0x{byte:02X} on line {line}); it looks like "
            f"Latin-1/Windows-1252: {sample!r}",
            line,
            "re-save the file as UTF-8",
        ) from None
    return text.replace("\r\n", "\n")


def find_mojibake(text: str, first_line: int = 1) -> list[Mojibake]:
    """Lines that look double-encoded, with ftfy's repair of each."""
    found: list[Mojibake] = []
    if text.isascii():
        return found
    for number, line in enumerate(text.split("\n"), first_line):
        if line.isascii() or not is_bad(line):
            continue
        repaired = ftfy.fix_text(line, normalization=None, fix_line_breaks=False)
        if repaired != line:
            found.append(Mojibake(number, _excerpt(line, repaired)[0], _excerpt(line, repaired)[1]))
    return found


def _excerpt(bad: str, good: str) -> tuple[str, str]:
    """The differing middle of two strings, so a hint shows the damaged words only."""
    start = 0
    while start < min(len(bad), len(good)) and bad[start] == good[start]:
        start += 1
    end_bad, end_good = len(bad), len(good)
    while end_bad > start and end_good > start and bad[end_bad - 1] == good[end_good - 1]:
        end_bad, end_good = end_bad - 1, end_good - 1
    start = max(bad.rfind(" ", 0, max(start - 10, 0)) + 1, 0)
    tail_b = bad.find(" ", end_bad + 10)
    tail_g = good.find(" ", end_good + 10)
    bad_part = bad[start : tail_b if tail_b > 0 else len(bad)].strip()
    good_part = good[start : tail_g if tail_g > 0 else len(good)].strip()
    return bad_part[: _HINT_WIDTH * 2], good_part[: _HINT_WIDTH * 2]
