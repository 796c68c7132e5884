"""Every threshold the instruments use, with the publication it comes from (one data module).

These are published clinical cut-offs, not CMS billing facts. A score at or above a cut-off
("positive") creates a task for the practitioner.
"""

#: PHQ-9 severity bands; ≥ 10 is the cut-off for major depression (sensitivity and specificity
#: 88%). Kroenke K, Spitzer RL, Williams JBW. The PHQ-9. J Gen Intern Med 2001;16:606-613.
PHQ9_BANDS = (
    (0, "none to minimal"),
    (5, "mild"),
    (10, "moderate"),
    (15, "moderately severe"),
    (20, "severe"),
)
PHQ9_POSITIVE = 10
#: PHQ-9 item 9 (thoughts of self-harm): any answer above "not at all" needs the practitioner
#: the same day, whatever the total (PHQ-9 instructions, phqscreeners.com; Kroenke 2001).
PHQ9_ITEM9_URGENT = 1

#: PHQ-2 ≥ 3 screens positive; give the PHQ-9. Kroenke K, Spitzer RL, Williams JBW. The Patient
#: Health Questionnaire-2. Med Care 2003;41:1284-1292.
PHQ2_POSITIVE = 3

#: GAD-7 bands 5/10/15; ≥ 10 is the cut-off for generalized anxiety disorder. Spitzer RL,
#: Kroenke K, Williams JBW, Löwe B. A brief measure for assessing generalized anxiety disorder.
#: Arch Intern Med 2006;166:1092-1097.
GAD7_BANDS = ((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe"))
GAD7_POSITIVE = 10

#: STEADI "Stay Independent": a score of 4 or more means the person may be at risk for
#: falling. CDC STEADI, Stay Independent brochure (adapted from Rubenstein LZ et al. J Safety
#: Res 2011;42:493-499).
FALLS_AT_RISK = 4

#: Katz ADL: 6 = full function, 4 = moderate impairment, 2 or less = severe impairment; a task
#: at moderate impairment or worse. Katz S et al. JAMA 1963;185:914-919; scoring as in Shelkey
#: M, Wallace M. Katz Index of Independence in ADL, Try This: Issue 2 (Hartford Institute).
KATZ_BANDS = (
    (0, "severe functional impairment"),
    (3, "some functional impairment"),
    (6, "full function"),
)
KATZ_IMPAIRED_AT_MOST = 4

#: Lawton IADL (0-8, higher is more independent) publishes no cut-off: the score is kept and
#: trended, and no task is created from it. Lawton MP, Brody EM. Gerontologist 1969;9:179-186.
IADL_CUTOFF = None

#: AHC HRSN: a need is positive per domain as the tool's guide says (living situation,
#: food, transportation, utilities); interpersonal safety is positive at a total of 11 or more
#: on its four questions. CMS, The Accountable Health Communities Health-Related Social Needs
#: Screening Tool (2017).
HRSN_SAFETY_POSITIVE = 11
