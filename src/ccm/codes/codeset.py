"""A small versioned code-set type: codes per system, a comment on each, combinable with ``|``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

CPT = "CPT"
HCPCS = "HCPCS"
SNOMED = "SNOMED"


@dataclass(frozen=True, slots=True)
class Code:
    """One code with its system, a comment saying what it is, and the dates it is valid for."""

    code: str
    system: str
    comment: str
    effective_from: date | None = None  # first valid date of service, None = long-standing
    effective_to: date | None = None  # last valid date of service (inclusive), None = open

    def active_on(self, on: date) -> bool:
        """Whether the code is valid for a service on this date."""
        if self.effective_from is not None and on < self.effective_from:
            return False
        return self.effective_to is None or on <= self.effective_to


class CodeSet:
    """An immutable, named set of codes; ``a | b`` unions, ``"99490" in s`` tests membership."""

    __slots__ = ("_codes", "_strings", "name")

    def __init__(self, name: str, codes: tuple[Code, ...] | list[Code]) -> None:
        self.name = name
        by_code: dict[tuple[str, str], Code] = {}
        for c in codes:
            by_code.setdefault((c.system, c.code), c)
        self._codes = by_code
        self._strings = frozenset(c for _, c in by_code)

    def __or__(self, other: CodeSet) -> CodeSet:
        return CodeSet(f"{self.name} | {other.name}", [*self, *other])

    def __contains__(self, code: object) -> bool:
        """A plain string matches a code of any system; a ``Code`` must match system and code."""
        if isinstance(code, Code):
            return (code.system, code.code) in self._codes
        if isinstance(code, str):
            return code.strip().upper() in self._strings
        return False

    def __iter__(self) -> Iterator[Code]:
        return iter(self._codes.values())

    def __len__(self) -> int:
        return len(self._codes)

    def __repr__(self) -> str:
        return f"CodeSet({self.name!r}, {len(self)} codes)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CodeSet) and self._codes == other._codes

    def __hash__(self) -> int:
        return hash(frozenset(self._codes))

    def get(self, code: str) -> Code | None:
        """The entry for a code string (first system that has it), or None."""
        wanted = code.strip().upper()
        return next((c for (_, k), c in self._codes.items() if k == wanted), None)

    def active_on(self, on: date) -> CodeSet:
        """The codes valid for a service on this date (effective dates per cms-rules §1a, §13)."""
        return CodeSet(f"{self.name} on {on.isoformat()}", [c for c in self if c.active_on(on)])

    @property
    def codes(self) -> frozenset[str]:
        """The bare code strings, for fast membership tests in loops."""
        return self._strings
