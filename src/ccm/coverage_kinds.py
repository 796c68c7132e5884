"""The coverage kinds every reader maps payer data to (FHIR, CSV, C-CDA, HL7v2), and their
words. What they mean for billing is `ccm.rules.coverage`'s to say; this module only names
them, so readers need not import the rules package. Pure.
"""

PART_A = "medicare_part_a"
PART_B = "medicare_part_b"
ADVANTAGE = "medicare_advantage"  # Medicare Part C
PART_D = "medicare_part_d"
MEDIGAP = "medigap"
MEDICAID = "medicaid"
QMB = "qmb"  # Qualified Medicare Beneficiary (dual)
SLMB = "slmb"  # Specified Low-Income Medicare Beneficiary (dual)
QI = "qi"  # Qualifying Individual (dual)
FULL_DUAL = "dual_full"  # full-benefit dual eligible
OTHER_DUAL = "dual_other"  # dual eligible, program not named
OTHER = "other"  # private, commercial, self-pay: not Medicare

#: Every coverage kind a reader may produce, with the words the screens show.
KINDS: dict[str, str] = {
    PART_A: "Medicare Part A",
    PART_B: "Medicare Part B (fee-for-service)",
    ADVANTAGE: "Medicare Advantage (Part C)",
    PART_D: "Medicare Part D",
    MEDIGAP: "Medigap (Medicare supplement)",
    MEDICAID: "Medicaid",
    QMB: "Dual: Qualified Medicare Beneficiary (QMB)",
    SLMB: "Dual: Specified Low-Income Medicare Beneficiary (SLMB)",
    QI: "Dual: Qualifying Individual (QI)",
    FULL_DUAL: "Dual: full-benefit dual eligible",
    OTHER_DUAL: "Dual eligible (program not named)",
    OTHER: "Other (not Medicare)",
}
DUAL_KINDS = (QMB, SLMB, QI, FULL_DUAL, OTHER_DUAL)
