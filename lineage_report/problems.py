"""Problems found in the input: data, logged as they are found, listed on the site.

A problem is never an exception: bad input costs only the record it sits in, and the
build goes on. Each problem names its file, where in the file, and a kind in brackets
(`manifest.no-digest`) so people can grep for it and `--strict` can count it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import astuple, dataclass

log = logging.getLogger("lineage_report")

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as the reader could."""

    path: str
    location: str
    message: str
    kind: str
    severity: str = ERROR

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{self.path}: {where}{self.message} [{self.kind}]"

    def to_json(self) -> dict[str, str]:
        """Return the problem as a plain dict, for `check --format json` and lineage.json."""
        return {
            "path": self.path,
            "location": self.location,
            "message": self.message,
            "kind": self.kind,
            "severity": self.severity,
        }


def pointer(*parts: object) -> str:
    """Return a JSON pointer (RFC 6901) to the value at `parts`."""
    text = "/".join(map(str, parts))
    if "~" in text or text.count("/") != len(parts) - 1:  # a part holds "~" or "/": escape
        text = "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "/" + text if parts else ""


def count_errors(problems: list[Problem]) -> int:
    """Count the errors among problems (the rest are warnings)."""
    return sum(1 for p in problems if p.severity == ERROR)


class Problems:
    """The problems of one build: collected in order, each logged once when found."""

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self._seen: set[Problem] = set()

    def add(self, problem: Problem) -> None:
        """Record and log a problem; an identical one reported twice is kept once."""
        if problem in self._seen:
            return
        self._seen.add(problem)
        self.items.append(problem)
        level = logging.ERROR if problem.severity == ERROR else logging.WARNING
        log.log(level, "%s", problem, extra={"problem": problem})

    def error(self, path: str, location: str, message: str, kind: str) -> None:
        """Record an error: the record it sits in is not used."""
        self.add(Problem(path, location, message, kind, ERROR))

    def warning(self, path: str, location: str, message: str, kind: str) -> None:
        """Record a warning: the data is used, but something about it is off."""
        self.add(Problem(path, location, message, kind, WARNING))

    def extend(self, problems: list[Problem]) -> None:
        """Record problems found elsewhere (by a reader, say)."""
        for problem in problems:
            self.add(problem)

    def sorted(self) -> list[Problem]:
        """Return the problems in a stable order: by file, then location, numbers by value."""
        return sorted(self.items, key=_reading_order)

    def __len__(self) -> int:
        return len(self.items)


def _reading_order(problem: Problem) -> tuple:
    """Return a problem's sort key: `line 9` before `line 10`, `/inputs/2` before `/inputs/10`."""
    return (natural(problem.path), natural(problem.location), astuple(problem))


def natural(text: str) -> tuple:
    """Return text as a sort key whose runs of digits compare as numbers."""
    return tuple(int(part) if i % 2 else part for i, part in enumerate(DIGITS.split(text)))


DIGITS = re.compile(r"(\d+)")
