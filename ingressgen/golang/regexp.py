"""Go's regexp.Compile verdict (RE2 syntax, Perl flags): cloudflared compiles `path` with it.

A port of the checks in Go's regexp/syntax parser (Go 1.22+), not of its parse tree: Python's
`re` accepts patterns RE2 refuses (look-arounds, back-references) and refuses some RE2 accepts,
so it cannot stand in. Where this port is stricter than Go it says so; stricter only ever
refuses a pattern Go would accept, never the other way round.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MAX_REPEAT = 1000
_MAX_NESTING = 1000
_POSIX_CLASSES = frozenset(
    {"alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph"}
    | {"lower", "print", "punct", "space", "upper", "word", "xdigit"}
)
# \p{Any} and the Unicode general categories, spelled exactly. Go also knows every Unicode
# script (\p{Greek}) and, in recent releases, other spellings and aliases (\p{Letter});
# this port refuses those: stricter, and independent of the Go release cloudflared was built with.
_UNICODE_CLASSES = frozenset(
    {"Any", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N", "Nd", "Nl", "No"}
    | {"P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So"}
    | {"Z", "Zl", "Zp", "Zs", "C", "Cc", "Cf", "Co", "Cs"}
)


class GoRegexpError(ValueError):
    """A regexp/syntax parse error; str() is Go's message."""

    def __init__(self, code: str, expr: str) -> None:
        super().__init__(f"error parsing regexp: {code}: `{expr}`")


_MISSING_REPEAT_ARGUMENT = "missing argument to repetition operator"
_INVALID_REPEAT_SIZE = "invalid repeat count"
_INVALID_ESCAPE = "invalid escape sequence"
_INVALID_CHAR_RANGE = "invalid character class range"


@dataclass
class _Frame:
    """One open group: the heaviest repeat nesting seen in it, and its last operand's."""

    heaviest: int = 1
    last: int | None = None  # None: nothing to repeat here (start, after '(' or '|')

    def push(self, weight: int) -> None:
        if self.last is not None:
            self.heaviest = max(self.heaviest, self.last)
        self.last = weight


class _RegexpChecker:
    """Walks a pattern the way Go's regexp/syntax parser does, with the Perl flags."""

    def __init__(self, pattern: str) -> None:
        self.whole = pattern
        self.frames = [_Frame()]

    def check(self) -> None:
        text = self.whole
        last_repeat: int | None = None  # position of the previous token if it was a repeat
        position = 0
        while position < len(text):
            repeat_at: int | None = None
            char = text[position]
            if char == "(":
                position = self._open_group(position)
            elif char == "|":
                frame = self.frames[-1]
                frame.push(1)
                frame.last = None
                position += 1
            elif char == ")":
                position = self._close_group(position)
            elif char == "[":
                position = self._char_class(position)
                self.frames[-1].push(1)
            elif char in "*+?":
                repeat_at = position
                position = self._repeat(position, position + 1, last_repeat, None)
            elif char == "{":
                bounds = _parse_repeat(text, position)
                if bounds is None:
                    self.frames[-1].push(1)  # not a repetition: a literal '{'
                    position += 1
                else:
                    low, high, after = bounds
                    if low < 0 or low > _MAX_REPEAT or high > _MAX_REPEAT or 0 <= high < low:
                        raise GoRegexpError(_INVALID_REPEAT_SIZE, text[position:after])
                    repeat_at = position
                    position = self._repeat(position, after, last_repeat, (low, high))
            elif char == "\\":
                position = self._escape(position)
            else:
                self.frames[-1].push(1)  # a literal, '.', '^' or '$'
                position += 1
            last_repeat = repeat_at
        if len(self.frames) != 1:
            raise GoRegexpError("missing closing )", text)

    def _open_group(self, position: int) -> int:
        text = self.whole
        if text.startswith("(?", position):
            rest = text[position:]
            named = re.match(r"\(\?P?<", rest)
            if named:
                end = rest.find(">")
                if end < 0:
                    raise GoRegexpError("invalid named capture", rest)
                name = rest[named.end() : end]
                if not name or not all(c == "_" or (c.isascii() and c.isalnum()) for c in name):
                    raise GoRegexpError("invalid named capture", rest[: end + 1])
                return self._push_frame(position + end + 1)
            return self._perl_flags(position)
        return self._push_frame(position + 1)

    def _push_frame(self, after: int) -> int:
        if len(self.frames) > _MAX_NESTING:
            raise GoRegexpError("expression nests too deeply", self.whole)
        self.frames.append(_Frame())
        return after

    def _perl_flags(self, position: int) -> int:
        """(?flags) or (?flags:...): anything else (look-arounds, (?#...)) Go refuses."""
        text = self.whole
        index = position + 2
        sign, saw_flag = 1, False
        while index < len(text):
            char = text[index]
            index += 1
            if char in "imsU":
                saw_flag = True
            elif char == "-" and sign > 0:
                sign, saw_flag = -1, False
            elif char in ":)":
                if sign < 0 and not saw_flag:
                    break
                return self._push_frame(index) if char == ":" else index
            else:
                break
        raise GoRegexpError("invalid or unsupported Perl syntax", text[position:index])

    def _close_group(self, position: int) -> int:
        if len(self.frames) == 1:
            raise GoRegexpError("unexpected )", self.whole)
        frame = self.frames.pop()
        weight = max(frame.heaviest, frame.last or 1)
        self.frames[-1].push(weight)
        return position + 1

    def _repeat(
        self, start: int, after: int, last_repeat: int | None, bounds: tuple[int, int] | None
    ) -> int:
        text = self.whole
        if after < len(text) and text[after] == "?":
            after += 1  # non-greedy
        if last_repeat is not None:
            raise GoRegexpError("invalid nested repetition operator", text[last_repeat:after])
        frame = self.frames[-1]
        if frame.last is None:
            raise GoRegexpError(_MISSING_REPEAT_ARGUMENT, text[start:after])
        if bounds is not None:
            low, high = bounds
            count = high if high >= 0 else low
            # Go's repeatIsValid: nested counted repeats may not multiply past 1000.
            weight = 1 if count == 0 else count * frame.last
            if (low >= 2 or high >= 2) and weight > _MAX_REPEAT:
                raise GoRegexpError(_INVALID_REPEAT_SIZE, text[start:after])
            frame.last = weight
        return after

    def _escape(self, position: int) -> int:
        text = self.whole
        following = text[position + 1 : position + 2]
        if following in ("A", "b", "B", "z"):
            self.frames[-1].push(1)
            return position + 2
        if following == "C":
            raise GoRegexpError(_INVALID_ESCAPE, text[position : position + 2])
        if following == "Q":
            literal, _, _ = text[position + 2 :].partition("\\E")
            end = text.find("\\E", position + 2)
            if literal:
                self.frames[-1].push(1)
            return len(text) if end < 0 else end + 2
        after = _class_escape(text, position)
        if after is None:
            after = _escaped_rune(text, position)[1]
        self.frames[-1].push(1)
        return after

    def _char_class(self, position: int) -> int:
        text = self.whole
        index = position + 1
        if index < len(text) and text[index] == "^":
            index += 1
        first = True
        while index >= len(text) or text[index] != "]" or first:
            first = False
            if text.startswith("[:", index):
                close = text.find(":]", index + 2)
                if close >= 0:
                    name = text[index + 2 : close].removeprefix("^")
                    if name not in _POSIX_CLASSES:
                        raise GoRegexpError(_INVALID_CHAR_RANGE, text[index : close + 2])
                    index = close + 2
                    continue
            after = _class_escape(text, index)
            if after is not None:
                index = after
                continue
            start = index
            low, index = _class_char(text, index, text[position:])
            if index + 1 < len(text) and text[index] == "-" and text[index + 1] != "]":
                high, after_high = _class_char(text, index + 1, text[position:])
                if high < low:
                    raise GoRegexpError(_INVALID_CHAR_RANGE, text[start:after_high])
                index = after_high
        return index + 1


def _parse_int(text: str, position: int) -> tuple[int, int] | None:
    match = re.compile(r"[0-9]+").match(text, position)
    if match is None or (len(match.group()) > 1 and match.group().startswith("0")):
        return None  # no digits, or a leading zero
    digits = match.group()
    value = int(digits) if len(digits) <= 9 else -1  # Go stops counting at 1e8
    return value, match.end()


def _parse_repeat(text: str, position: int) -> tuple[int, int, int] | None:
    """{n}, {n,} or {n,m} at position: (min, max or -1, end), or None when it is not one."""
    low_end = _parse_int(text, position + 1)
    if low_end is None:
        return None
    low, index = low_end
    if index >= len(text):
        return None
    high = low
    if text[index] == ",":
        index += 1
        if index >= len(text):
            return None
        if text[index] == "}":
            high = -1
        else:
            high_end = _parse_int(text, index)
            if high_end is None:
                return None
            high, index = high_end
            if high < 0:
                low = -1
    if index >= len(text) or text[index] != "}":
        return None
    return low, high, index + 1


def _class_escape(text: str, position: int) -> int | None:
    """\\d, \\s, \\w (and negations) or \\pX, \\p{Name}: the end, or None if it is neither."""
    if position + 1 >= len(text) or text[position] != "\\":
        return None
    kind = text[position + 1]
    if kind in "dDsSwW":
        return position + 2
    if kind not in "pP":
        return None
    if position + 2 >= len(text):
        raise GoRegexpError(_INVALID_CHAR_RANGE, text[position:])
    if text[position + 2] != "{":
        name, end = text[position + 2], position + 3
    else:
        close = text.find("}", position)
        if close < 0:
            raise GoRegexpError(_INVALID_CHAR_RANGE, text[position:])
        name, end = text[position + 3 : close], close + 1
    if name.removeprefix("^") not in _UNICODE_CLASSES:
        raise GoRegexpError(_INVALID_CHAR_RANGE, text[position:end])
    return end


def _class_char(text: str, position: int, whole_class: str) -> tuple[int, int]:
    if position >= len(text):
        raise GoRegexpError("missing closing ]", whole_class)
    if text[position] == "\\":
        return _escaped_rune(text, position)
    return ord(text[position]), position + 1


_C_ESCAPES = {"a": 7, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11}
_HEX = "0123456789abcdefABCDEF"
_OCTAL = "01234567"


def _escaped_rune(text: str, position: int) -> tuple[int, int]:
    """Go's parseEscape: the rune and where the escape ends, or GoRegexpError."""
    if position + 1 >= len(text):
        raise GoRegexpError("trailing backslash at end of expression", "")
    char = text[position + 1]
    index = position + 2
    if char.isascii() and not char.isalnum():
        return ord(char), index  # escaped punctuation is itself (\_ included)
    if char in _OCTAL:
        # A single non-zero digit would be a back-reference, which RE2 does not have.
        if char != "0" and not (index < len(text) and text[index] in _OCTAL):
            raise GoRegexpError(_INVALID_ESCAPE, text[position:index])
        end = index
        while end < len(text) and end - index < 2 and text[end] in _OCTAL:
            end += 1
        return int(text[position + 1 : end], 8), end
    if char == "x" and index < len(text):
        if text[index] == "{":
            end = index + 1
            while end < len(text) and text[end] in _HEX:
                end += 1
            digits = text[index + 1 : end]
            if end < len(text) and text[end] == "}" and digits and int(digits, 16) <= 0x10FFFF:
                return int(digits, 16), end + 1
            raise GoRegexpError(_INVALID_ESCAPE, text[position : end + 1])
        if index + 1 < len(text) and text[index] in _HEX and text[index + 1] in _HEX:
            return int(text[index : index + 2], 16), index + 2
        raise GoRegexpError(_INVALID_ESCAPE, text[position : index + 2])
    if char in _C_ESCAPES:
        return _C_ESCAPES[char], index
    raise GoRegexpError(_INVALID_ESCAPE, text[position:index])


# No character that starts an operator, a group, a class or an escape, and no lone surrogate
# (not UTF-8): such a pattern (a path like /ws or /api/v1.0) is a run of literals and '.', which
# always compiles.
_PLAIN_PATTERN = re.compile(r"[^\\+*?()|\[\]{}^$\ud800-\udfff]*")


def regexp_error(pattern: str) -> str | None:
    """Go's regexp.Compile verdict on `pattern`: its error message, or None when it compiles.

    Not ported: Go's limit on the size of the compiled program ("expression too large"),
    which only patterns of megabytes reach.
    """
    if _PLAIN_PATTERN.fullmatch(pattern):
        return None
    return _compile_error(pattern)


def _compile_error(pattern: str) -> str | None:
    """regexp_error, by parsing the whole pattern."""
    try:
        _RegexpChecker(pattern).check()
    except GoRegexpError as error:
        return str(error)
    return None
