"""The one error model: every failure the user can act on is an IngressgenError.

Core code raises these; only the CLI turns them into messages and exit codes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class Location:
    """Where a problem sits: a file and, when known, a 1-based line and column."""

    file: str
    line: int | None = None
    column: int | None = None

    def sort_key(self) -> tuple[str, int, int]:
        # A location without a line sorts first in its file; None never meets an int.
        return (self.file, self.line or 0, self.column or 0)

    def __str__(self) -> str:
        file = shown_file_name(self.file)
        if self.line is None:
            return file
        if self.column is None:
            return f"{file}:{self.line}"
        return f"{file}:{self.line}:{self.column}"


def shown_file_name(name: str) -> str:
    """A file name as messages print it: a control character in it (a terminal escape that
    would clear the screen, a line break that would fake a second message) is written escaped,
    as Python writes it in a string."""
    if name.isprintable():
        return name
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


# Messages show values, never a whole long one: a 1 MiB string or a 5,000-digit number in a
# file is cut to its start and its length.
VALUE_SHOWN = 200
MESSAGE_SHOWN = 2000
# A long run without a space, and the punctuation that ends it (kept: `KIND/NAME:`).
_LONG_RUN = re.compile(rf"(\S{{{VALUE_SHOWN + 1},}}?)([:,;)\]]?)(?=\s|$)")


def shown_value(value: object) -> str:
    """`repr(value)` as messages show it: at most VALUE_SHOWN characters of it."""
    text = repr(value)
    if len(text) <= VALUE_SHOWN:
        return text
    return f"{text[: VALUE_SHOWN - 3]}... ({len(text)} characters)"


def bounded(message: str) -> str:
    """A message with every run of more than VALUE_SHOWN characters without a space (a value
    it quotes) cut to its start and length, and the whole at most MESSAGE_SHOWN characters."""
    if len(message) <= VALUE_SHOWN:
        return message
    message = _LONG_RUN.sub(
        # Cut to VALUE_SHOWN with its "...", so that a message bounded twice is cut once.
        lambda run: f"{run[1][: VALUE_SHOWN - 3]}... ({len(run[1])} characters){run[2]}",
        message,
    )
    if len(message) > MESSAGE_SHOWN:
        message = f"{message[:MESSAGE_SHOWN]}... ({len(message)} characters)"
    return message


# What a terminal acts on (escape sequences, a bell, a carriage return that overwrites the line)
# and lone surrogates (undecodable bytes of a file name), which cannot be written at all.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def terminal_safe(text: str) -> str:
    """Text as the CLI prints it: every control character but line feed and tab written
    escaped, whatever put it there (a file name, a value quoted in a message)."""
    if _UNPRINTABLE.search(text) is None:
        return text
    # \uXXXX: read the same in a message and valid inside a JSON report's strings.
    return _UNPRINTABLE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def format_field_path(path: Sequence[str | int]) -> str:
    """The one way messages and reports write a field path: ('spec', 'ports', 0, 'port') is
    spec.ports[0].port. A key that is not a plain name is quoted, so that every path reads one
    way only: metadata.labels["app.kubernetes.io/name"], data["..a"]."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.fullmatch(part):
            text += f".{part}" if text else part
        else:
            import json  # only for the rare key that needs quoting: not at every start

            text += f"[{json.dumps(part, ensure_ascii=False)}]"
    return text


PROFILE_INVALID = "profile-invalid"


def tagged(rule: str, problems: Iterable[Problem]) -> list[Problem]:
    """`problems` as breaches of `rule`."""
    return [replace(problem, rule=rule) for problem in problems]


@dataclass(frozen=True)
class Problem:
    """One located finding: file position, field path and a message saying what would be valid."""

    location: Location
    message: str
    field_path: tuple[str | int, ...] = ()
    # The profile rule this breaks (findings.PROFILE_RULES, all at level error); the umbrella
    # id covers the checks of single fields and values.
    rule: str = PROFILE_INVALID

    def __str__(self) -> str:
        if self.field_path:
            text = f"{format_field_path(self.field_path)}: {self.message}"
            return f"{self.location}: {bounded(text)}"
        return f"{self.location}: {bounded(self.message)}"


class IngressgenError(Exception):
    """Base of every error the CLI reports without a traceback."""

    exit_code = EXIT_INTERNAL

    def __init__(self, message: str = "", problems: Iterable[Problem] = ()) -> None:
        self.problems = sorted(problems, key=lambda p: (p.location.sort_key(), str(p)))
        super().__init__(message or "\n".join(str(p) for p in self.problems))

    def lines(self) -> list[str]:
        """The lines to print for this error, most specific first."""
        head = str(self.args[0]) if self.args and self.args[0] else ""
        problem_lines = [str(p) for p in self.problems]
        if head and head != "\n".join(problem_lines):
            return [head, *problem_lines]
        return problem_lines or [head]


class InputError(IngressgenError):
    """Bad input or usage: an unreadable or invalid profile, conflicting profiles, a bad option."""

    exit_code = EXIT_BAD_INPUT


class CheckFailed(IngressgenError):
    """A check failed: an invalid object, drift under --check."""

    exit_code = EXIT_CHECK_FAILED


class InternalError(IngressgenError):
    """A bug in ingressgen itself, e.g. rendered text that does not parse back to the plan."""

    exit_code = EXIT_INTERNAL


@dataclass
class ProblemCollector:
    """Gathers problems so one run reports all of them, not just the first."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def raise_if_any(self, error_type: type[IngressgenError] = InputError) -> None:
        if self.problems:
            raise error_type(problems=self.problems)

    def gather(self, step: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        """Run one independent check or step: its InputError joins the others instead of ending
        the run, so one run reports every mistake (None when it failed)."""
        try:
            return step(*args, **kwargs)
        except InputError as error:
            self.extend(error.problems)
            return None
