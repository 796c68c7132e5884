"""Which CCM/PCM option a month bills for its counted minutes, decided once per minutes (month-contract steps 3–4)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from ccm.rules.month_rules import MonthRules, OptionSpec, coinsurance_cents, money
from ccm.types import Finding, NextUnit, Rule

CACHE_LIMIT = 100_000  # decisions kept per option table before starting afresh


ZERO = money(0)


@dataclass(frozen=True, slots=True)
class Decision:
    """The option billed for some counted minutes (month-contract steps 3–4), all but the day it was reached.

    With no option reached, `billed` is false and `after` holds the finding that says so.
    """

    billed: bool
    next: NextUnit | None
    after: tuple[Finding, ...]
    base: str = ""
    addon: str = ""
    units: int = 0
    threshold: int = 0
    by_practitioner: bool = False
    base_cents: int = 0
    addon_cents: int = 0
    base_first: bool = True
    head: str = ""  # the §1a finding up to the day the threshold was reached …
    tail: str = ""  # … and after it
    total: Decimal = ZERO
    coinsurance: Decimal = ZERO


class OptionTable:
    """Decisions per (mdm low, S, P) for one set of options, prices and coinsurance rate.

    The key drops what cannot change the answer: P below every practitioner threshold counts
    as 0, and MDM only matters once S reaches a complex-only threshold.
    """

    __slots__ = ("complex_floor", "decisions", "practitioner_floor", "price", "rules", "specs")

    def __init__(self, specs: tuple[OptionSpec, ...], price: dict[str, int], rules: MonthRules):
        self.specs, self.price, self.rules = specs, price, rules
        self.decisions: dict[tuple[bool, int, int], Decision] = {}
        self.practitioner_floor = min(
            (spec.threshold for spec in specs if spec.by_practitioner), default=_NEVER
        )
        complex_specs = [spec for spec in specs if spec.complex_only]
        self.complex_floor = (
            0
            if any(spec.by_practitioner for spec in complex_specs)
            else min((spec.threshold for spec in complex_specs), default=_NEVER)
        )

    def decide(self, low: bool, s: int, p: int) -> Decision:
        """Bill the option with the highest total; on a tie, the first (month-contract step 3)."""
        key = (low, s, p)
        found = self.decisions.get(key)
        if found is None:
            if len(self.decisions) >= CACHE_LIMIT:
                self.decisions.clear()
            found = self.decisions[key] = self._decide(low, s, p)
        return found

    def _decide(self, low: bool, s: int, p: int) -> Decision:
        specs, price = self.specs, self.price
        best: OptionSpec | None = None
        best_total = best_units = 0
        others: list[tuple[OptionSpec, int]] = []
        for spec in specs:
            if spec.complex_only and low:
                continue
            used = p if spec.by_practitioner else s
            if used < spec.threshold:
                continue
            units = (used - spec.threshold) // spec.step
            if spec.cap is not None and units > spec.cap:
                units = spec.cap
            total = price[spec.base] + units * price[spec.addon]
            if total > best_total:
                if best is not None:
                    others.append((best, best_total))
                best, best_total, best_units = spec, total, units
            else:
                others.append((spec, total))
        if best is None:
            first = specs[0]
            return Decision(
                billed=False,
                next=_next_unit(first.base, first.threshold - s),
                after=(_none_reached(first.base, s, first.threshold),),
            )
        used = p if best.by_practitioner else s
        who = "practitioner's personal" if best.by_practitioner else "staff and practitioner"
        after: list[Finding] = []
        nxt: NextUnit | None = None
        if best.cap is not None and best_units >= best.cap:
            after.append(_at_cap(best.addon, best.cap))
        else:
            nxt = _next_unit(best.addon, best.threshold + (best_units + 1) * best.step - used)
        after.extend(_not_billed(spec.name, spec.base, total) for spec, total in others)
        return Decision(
            billed=True,
            next=nxt,
            after=tuple(after),
            base=best.base,
            addon=best.addon,
            units=best_units,
            threshold=best.threshold,
            by_practitioner=best.by_practitioner,
            base_cents=price[best.base],
            addon_cents=best_units * price[best.addon],
            base_first=best.base < best.addon,
            head=f"{best.base}: {used} min of {who} time ≥ {best.threshold}, reached ",
            tail=f"; {best.addon} × {best_units} for each further {best.step} min"
            if best_units
            else "",
            total=money(best_total),
            coinsurance=money(coinsurance_cents(best_total, self.rules)),
        )


_NEVER = 1 << 62  # a threshold no month reaches


@lru_cache(maxsize=4096)
def _next_unit(code: str, minutes_needed: int) -> NextUnit:
    return NextUnit(code, minutes_needed)


@lru_cache(maxsize=4096)
def _none_reached(code: str, counted: int, threshold: int) -> Finding:
    return Finding(
        Rule.THRESHOLD_NOT_REACHED,
        f"{code}: {counted} counted min, {threshold} needed; no code reached",
    )


@lru_cache(maxsize=256)
def _at_cap(code: str, cap: int) -> Finding:
    return Finding(Rule.ADD_ON_AT_CAP, f"{code} at its cap of {cap} (policy, unconfirmed)")


@lru_cache(maxsize=4096)
def _not_billed(name: str, code: str, total: int) -> Finding:
    return Finding(
        Rule.OPTION_NOT_BILLED,
        f"not billed: {name} ({code}) would pay {total // 100}.{total % 100:02d}; one option a month, the higher total",
    )
