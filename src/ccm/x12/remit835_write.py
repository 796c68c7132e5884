"""An 835 for our own claims, with chosen outcomes: for tests, demos and a practice's training.

It writes what our reader reads plus the envelope the TR3 requires, so pyx12 accepts it:
paid, adjusted, denied and reversed claims (CLP02 22 with negated amounts), crossovers
(NM1*TT) and provider-level adjustments (PLB). BPR02 is whatever the caller says: a
caller who wants a balanced file passes Σ CLP04 − Σ PLB (Remittance.claims_amount …).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ccm.x12.remit835 import VERSION, Adjustment, Remittance
from ccm.x12.segments import COMPONENT, date8, isa, money, segment, text


def _cas_segments(adjustments: Sequence[Adjustment]) -> list[str]:
    out = []
    for group in dict.fromkeys(a.group for a in adjustments):
        triples: list[str] = []
        for adj in (a for a in adjustments if a.group == group):
            triples += [adj.reason, money(adj.amount), str(adj.units) if adj.units else ""]
        out.append(segment("CAS", group, *triples))
    return out


def _plb_segments(remittance: Remittance, fiscal_end: str) -> list[str]:
    """PLB segments: one per provider and fiscal period, up to six adjustments each."""
    groups: dict[tuple[str, str], list[str]] = {}
    for adj in remittance.provider_adjustments:
        key = (
            text(adj.provider_id or remittance.payee_npi),
            date8(adj.fiscal_period) if adj.fiscal_period else fiscal_end,
        )
        reason = COMPONENT.join(x for x in (text(adj.reason), text(adj.reference)) if x)
        groups.setdefault(key, []).extend((reason, money(adj.amount)))
    return [
        segment("PLB", *key, *pairs[start : start + 12])
        for key, pairs in groups.items()
        for start in range(0, len(pairs), 12)
    ]


def write_835(
    remittance: Remittance,
    payer_id: str,
    payee_name: str,
    created: dt.datetime,
    interchange_number: int,
    usage: str = "T",
) -> str:
    """An 835 for our own claims, for tests and the demo (one transaction, check payment)."""
    paid_on = remittance.payment_date or created.date()
    body = [
        # ST03 is left out: pyx12's X221A1 map marks it "not used" (GS08 names the guide).
        segment("ST", "835", "0001"),
        segment(
            "BPR",
            "I" if remittance.payment_amount else "H",
            money(abs(remittance.payment_amount)),
            "C" if remittance.payment_amount >= 0 else "D",
            (remittance.payment_method or "CHK") if remittance.payment_amount else "NON",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            date8(paid_on),
        ),
        segment(
            "TRN",
            "1",
            text(remittance.trace_number),
            remittance.payer_id or f"1{text(payer_id)[:9].rjust(9, '0')}",
        ),
        segment("DTM", "405", date8(created.date())),
        segment("N1", "PR", text(remittance.payer_name)),
        segment("N3", "PO BOX 1"),
        segment("N4", "SPRINGFIELD", "IL", "62701"),
        segment("PER", "BL", "PROVIDER SERVICES", "TE", "8005550100"),
        segment("N1", "PE", text(payee_name), "XX", remittance.payee_npi),
        segment("LX", "1"),
    ]
    for claim in remittance.claims:
        body.append(
            segment(
                "CLP",
                text(claim.claim_id),
                claim.status,
                money(claim.charge),
                money(claim.paid),
                money(claim.patient_responsibility) if claim.patient_responsibility else "",
                "MB",
                text(claim.payer_claim_id),
                "11",
                "1",
            )
        )
        body += _cas_segments(claim.adjustments)
        body.append(segment("NM1", "QC", "1", "", "", "", "", "", "MI", text(claim.patient_mbi)))
        if claim.crossover_payer:
            body.append(
                segment("NM1", "TT", "2", text(claim.crossover_payer), "", "", "", "", "PI", "SUPP")
            )
        if claim.remarks:
            body.append(segment("MOA", "", "", *claim.remarks[:5]))
        for service in claim.services:
            body.append(
                segment(
                    "SVC",
                    f"HC{COMPONENT}{text(service.code)}",
                    money(service.charge),
                    money(service.paid),
                    "",
                    service.units,
                )
            )
            if service.service_date:
                body.append(segment("DTM", "472", date8(service.service_date)))
            body += _cas_segments(service.adjustments)
            body += [segment("LQ", "HE", code) for code in service.remarks]
    body += _plb_segments(remittance, date8(paid_on.replace(month=12, day=31)))
    body.append(segment("SE", len(body) + 1, "0001"))
    segments = [
        isa(payer_id, payee_name, created, interchange_number, usage),
        segment(
            "GS",
            "HP",
            text(payer_id),
            text(remittance.payee_npi),
            date8(created.date()),
            created.strftime("%H%M"),
            interchange_number,
            "X",
            VERSION,
        ),
        *body,
        segment("GE", "1", interchange_number),
        segment("IEA", "1", f"{interchange_number:09d}"),
    ]
    return "\n".join(segments) + "\n"
