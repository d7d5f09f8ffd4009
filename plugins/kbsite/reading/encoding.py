"""Text decoding and mojibake detection for content files.

Customer-service text is often pasted from other systems; a file that is not UTF-8, or text
that was decoded twice (``cafÃ©``, ``à°¤``), is reported with the line and, for mojibake, the
text as ftfy repairs it.
"""

from __future__ import annotations

import itertools
import unicodedata
from dataclasses import dataclass

import regex

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
    lost: tuple[Lost, ...] = ()  # sequences whose bytes were lost to `?`: not repairable

    @property
    def message(self) -> str:
        if self.lost:
            return f"text looks double-encoded, with characters lost to `?`: `{self.found}`"
        return f"text looks double-encoded: `{self.found}`"

    @property
    def hint(self) -> str:
        if not self.lost:
            return f"repaired: `{self.repaired}`"
        parts = []
        if self.repaired != self.found:
            parts.append(f"the rest can be repaired: `{self.repaired}`")
        shown = []
        for lost in self.lost[:3]:
            if not lost.candidates:
                shown.append(f"`{lost.text}`")
            elif len(lost.candidates) <= _MAX_CANDIDATES:
                options = " or ".join(f"`{c}`" for c in lost.candidates)
                shown.append(f"`{lost.text}` (was {options})")
            else:
                shown.append(f"`{lost.text}` (one of {len(lost.candidates)} characters)")
        more = f" and {len(self.lost) - 3} more" if len(self.lost) > 3 else ""
        parts.append(
            f"{', '.join(shown)}{more} cannot be repaired automatically: a byte became `?` "
            "when UTF-8 was read as Windows-1252 or Latin-1; retype from the original"
        )
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class Lost:
    """A UTF-8 sequence read as Windows-1252/Latin-1 with some bytes replaced by `?`."""

    text: str  # as it appears, e.g. `Ä?`
    candidates: tuple[str, ...]  # the characters it may have been


# A UTF-8 character read as Windows-1252 (or Latin-1) is its lead byte's letter (Â-ß: two
# bytes, à-ï: three, ð-ô: four) and continuation bytes (0x80-0xBF: € ‚ ƒ … ¿ and friends).
# Bytes Windows-1252 has no character for (0x81 0x8D 0x8F 0x90 0x9D), and Latin-1's control
# characters (0x80-0x9F), are often written back as `?`: the byte is lost, ftfy cannot undo it.
_CONT_CHARS = "".join(
    sorted(
        {bytes([b]).decode("cp1252", errors="ignore") for b in range(0x80, 0xC0)}
        | {chr(b) for b in range(0x80, 0xC0)} - {""}
    )
)
_C = f"[{regex.escape(_CONT_CHARS)}]"  # an intact continuation byte
_CONT = f"[{regex.escape(_CONT_CHARS)}?]"  # intact or lost
_DAMAGED = regex.compile(
    rf"[\u00c2-\u00df]\?(?=\w)"  # 2 bytes: `Ä?` inside a word (not `Spaß?`)
    rf"|[\u00e0-\u00ef](?:{_C}\?|\?{_C})"  # 3 bytes, one of them intact: `à±?`
    rf"|(?<=\w)[\u00e0-\u00ef]\?\?(?=\w)"  # ... or both lost inside a word: `Itâ??s`
    rf"|[\u00f0-\u00f4](?={_CONT}{{0,2}}{_C}){_CONT}{{3}}"  # 4 bytes, one intact
)
_INTACT = regex.compile(rf"[\u00c2-\u00df]{_C}|[\u00e0-\u00ef]{_C}{{2}}|[\u00f0-\u00f4]{_C}{{3}}")
# On a line that is double-encoded anyway, `Ã?` before a space or a `?` is damaged too.
_DAMAGED_ON_BAD_LINE = regex.compile(
    rf"[\u00c2-\u00df]{_CONT}|[\u00e0-\u00ef]{_CONT}{{2}}|[\u00f0-\u00f4]{_CONT}{{3}}"
)
_LOST_BYTES_CP1252 = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
_LOST_BYTES_LATIN1 = tuple(range(0x80, 0xA0))
# Characters only a Windows-1252 reading produces: with one on the line, the lost bytes are
# those Windows-1252 lacks; without, it was Latin-1 and any of 0x80-0x9F may be lost.
_CP1252_ONLY = frozenset(bytes(range(0x80, 0xA0)).decode("cp1252", errors="ignore"))
_MAX_CANDIDATES = 5
_MAX_GUESSES = 1024  # byte combinations tried per damaged sequence


def _to_byte(char: str) -> int | None:
    for encoding in ("cp1252", "latin-1"):
        try:
            return char.encode(encoding)[0]
        except UnicodeEncodeError:
            continue
    return None


def _lost_sequences(line: str) -> list[tuple[regex.Match[str], Lost]]:
    """Damaged sequences with a `?`, and what each may have been (valid, assigned chars)."""
    from ftfy.badness import is_bad  # here: ~30 ms to import, only for non-ASCII lines

    pattern = _DAMAGED_ON_BAD_LINE if is_bad(line) else _DAMAGED
    matches = [m for m in pattern.finditer(line) if "?" in m.group()]
    if pattern is _DAMAGED and matches:  # evidence enough: look again with the wider net
        matches = [m for m in _DAMAGED_ON_BAD_LINE.finditer(line) if "?" in m.group()]
    lost_set = _LOST_BYTES_CP1252 if _CP1252_ONLY & set(line) else _LOST_BYTES_LATIN1
    found = []
    for match in matches:
        text = match.group()
        known = [None if ch == "?" else _to_byte(ch) for ch in text]
        candidates: list[str] = []
        if len(lost_set) ** text.count("?") > _MAX_GUESSES:
            found.append((match, Lost(text, ())))
            continue
        for combo in itertools.product(lost_set, repeat=text.count("?")):
            it = iter(combo)
            data = bytes(b if b is not None else next(it) for b in known)
            try:
                char = data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if unicodedata.category(char) != "Cn" and char not in candidates:
                candidates.append(char)
        if candidates:
            found.append((match, Lost(text, tuple(candidates))))
    return found


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
    """Lines that look double-encoded, with ftfy's repair of each. A line where some bytes
    were lost to `?` is reported too, saying which parts can and cannot be repaired."""
    found: list[Mojibake] = []
    if text.isascii():
        return found
    for number, line in enumerate(text.split("\n"), first_line):
        if line.isascii():
            continue
        lost = _lost_sequences(line)
        if lost:
            found.append(_with_lost(number, line, lost))
            continue
        import ftfy
        from ftfy.badness import is_bad

        if not is_bad(line):
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


def _with_lost(number: int, line: str, lost: list[tuple[regex.Match[str], Lost]]) -> Mojibake:
    """Intact sequences are decoded back (what can be repaired); the lost ones stay as they
    are, listed with what they may have been."""
    pieces, start = [], 0
    for match, _ in lost:
        pieces.append(_repair(line[start : match.start()]))
        pieces.append(match.group())
        start = match.end()
    pieces.append(_repair(line[start:]))
    repaired = "".join(pieces)
    if repaired == line:
        bad = good = line.strip()[: _HINT_WIDTH * 2]
    else:
        bad, good = _excerpt(line, repaired)
    return Mojibake(number, bad, good, tuple(item for _, item in lost))


def _repair(text: str) -> str:
    """Each intact UTF-8 sequence read as Windows-1252/Latin-1, decoded back."""

    def decoded(match: regex.Match[str]) -> str:
        data = [_to_byte(ch) for ch in match.group()]
        if any(b is None for b in data):
            return match.group()
        try:
            return bytes(b for b in data if b is not None).decode("utf-8")
        except UnicodeDecodeError:
            return match.group()

    return _INTACT.sub(decoded, text) if not text.isascii() else text
