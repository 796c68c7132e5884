"""Time panel on the patient page (timer, manual entry, outreach, MDM), the worklist, assignment.

Every POST answers an HTMX request with the re-rendered panel (or worklist row) and a plain
form post with a redirect back, so each action is one click with or without JavaScript.
"""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from ccm.periods import BillingMonth
from ccm.rules.month import evaluate_month
from ccmweb.accounts.audit import log_access, log_patients_shown
from ccmweb.enrollment.models import Program as EnrollmentProgram
from ccmweb.params import id_param, search_param, whole_number
from ccmweb.patients.views import name_search, visible_patients
from ccmweb.tenants.decorators import requires
from ccmweb.tenants.http import MemberRequest, coordinators_in_practices, in_practices
from ccmweb.tenants.localtime import local_today
from ccmweb.tenants.models import Membership, Role
from ccmweb.tenants.roles import can

from . import services, worklist, worklist_state
from .models import Activity, MonthMDM, OutreachAttempt, Program, TimeEntry, WorklistState
from .month_case import month_case
from .services import NewTime, TimeError


def _patient(request: MemberRequest, uid: Any) -> Any:
    return get_object_or_404(visible_patients(request).select_related("practice"), uid=uid)


def panel_context(request: MemberRequest, patient: Any) -> dict[str, Any]:
    """The time panel's context; the patient page and every panel action render it."""
    now = timezone.now()
    today = local_today(patient.practice, now)
    month = BillingMonth.of(today)
    mdm = (
        MonthMDM.objects.filter(patient=patient, month=month.first)
        .select_related("recorded_by")
        .first()
    )
    case = month_case(patient, month, {patient.pk: mdm.level} if mdm else {})
    result = evaluate_month(case)
    row = worklist.Row(patient, case, result, today)
    worklist.classify(row)
    timer = services.timer_of(request.user)
    return {
        "time_month": month,
        "time_today": today,
        "time_error": getattr(request, "time_error", None),
        "time_error_field": getattr(request, "time_error_field", ""),
        # what was typed, shown again after an error (never after a success)
        "time_typed": request.POST if getattr(request, "time_error", None) else {},
        "time_notice": getattr(request, "time_notice", None),
        "time_result": result,
        "time_row": row,
        "time_timer": timer if timer and timer.patient_id == patient.pk else None,
        "time_timer_elsewhere": timer if timer and timer.patient_id != patient.pk else None,
        "time_elapsed": timer.elapsed_seconds(now) if timer else 0,
        "time_entries": services.latest_entries(patient)[:10],
        "time_outreach": services.latest_outreach(patient)[:5],
        "time_mdm": mdm,
        "time_activities": Activity.choices,
        "time_programs": Program.choices,
        "time_channels": OutreachAttempt.Channel.choices,
        "time_outcomes": OutreachAttempt.Outcome.choices,
        "time_mdm_levels": MonthMDM.Level.choices,
        "time_may_log": can(request.role, "patients.edit"),
        "time_may_mdm": can(request.role, "mdm.record"),
    }


def _answer(request: MemberRequest, patient: Any) -> HttpResponse:
    """The re-rendered panel for HTMX, else back to the patient page; after an error, the page
    itself (400) so that what was typed stays in the form, the error beside its field."""
    failed = getattr(request, "time_error", None) is not None
    if request.htmx:
        context = {"patient": patient, **panel_context(request, patient)}
        return render(request, "timelog/panel.html", context)  # htmx swaps only a 2xx
    if failed:
        from ccmweb.patients.views import patient_detail

        response = patient_detail(request, patient.uid)
        response.status_code = 400
        return response
    return redirect("patients:detail", uid=patient.uid)


def _fail(request: MemberRequest, error: TimeError) -> None:
    """Keep the error for the panel, with the field it names ("Minutes: …" → minutes)."""
    request.time_error = str(error)  # type: ignore[attr-defined]  # read by the re-rendered time panel
    request.time_error_field = str(error).split(":", 1)[0].strip().lower().replace(" ", "_")  # type: ignore[attr-defined]  # read by the re-rendered time panel


def _tell(request: MemberRequest, notice: str) -> None:
    """A notice shown in the re-rendered panel (HTMX) or on the next page (no script)."""
    if request.htmx:
        request.time_notice = notice  # type: ignore[attr-defined]  # read by the re-rendered time panel
    else:
        messages.info(request, notice)


def _day(text: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise TimeError("Date: enter a date as YYYY-MM-DD.") from None


def _choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise TimeError(f"{field}: choose one of the listed options.")
    return value


@requires("patients.edit")
def add_time(request: MemberRequest, uid: Any) -> HttpResponse:
    """Manual entry: Minutes, Activity, Program, Date, Note."""
    patient = _patient(request, uid)
    if request.method == "POST":
        try:
            minutes = whole_number(request.POST.get("minutes"), services.MAX_MINUTES)
            if minutes is None:
                raise TimeError(f"Minutes: enter a whole number from 1 to {services.MAX_MINUTES}.")
            new = NewTime(
                minutes=minutes,
                activity=_choice(request.POST.get("activity", ""), Activity, "Activity"),
                program=_choice(request.POST.get("program", "ccm"), Program, "Program"),
                note=request.POST.get("note", "").strip(),
                day=_day(request.POST.get("date", "").strip()),
            )
            entry = services.add_time(
                request.user,
                request.role,
                request.organization,
                patient,
                new,
            )
            log_access(request, "create", entry, patient)
        except TimeError as error:
            _fail(request, error)
    return _answer(request, patient)


@requires("patients.edit")
def timer(request: MemberRequest, uid: Any) -> HttpResponse:
    """Start, pause, resume, stop (saving the time) or discard the user's timer on this patient."""
    patient = _patient(request, uid)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            current = services.timer_of(request.user)
            if action == "start":
                services.start_timer(request.user, request.organization, patient)
                log_access(request, "update", patient)
            elif current is None or current.patient_id != patient.pk:
                raise TimeError("Timer: no timer is running for this patient.")
            elif action == "pause":
                services.pause_timer(current)
            elif action == "resume":
                services.resume_timer(current)
            elif action == "discard":
                services.discard_timer(current)
                log_access(request, "update", patient)
                _tell(request, "Timer discarded: no time was logged.")
            elif action == "stop":
                entry = services.stop_timer(
                    request.user,
                    request.role,
                    request.organization,
                    current,
                    _choice(request.POST.get("activity", ""), Activity, "Activity"),
                    _choice(request.POST.get("program", "ccm"), Program, "Program"),
                    request.POST.get("note", "").strip(),
                )
                if entry is not None:
                    log_access(request, "create", entry, patient)
                else:
                    _tell(request, "Timer: under a minute, nothing logged.")
        except TimeError as error:
            _fail(request, error)
    return _answer(request, patient)


@requires("patients.edit")
def amend(request: MemberRequest, uid: Any) -> HttpResponse:
    """Correct an entry with a new one beside it (the only way once its month is closed)."""
    entry = get_object_or_404(
        in_practices(TimeEntry.objects, request, "patient__practice").select_related(
            "patient__practice"
        ),
        uid=uid,
    )
    patient = entry.patient
    if request.method == "POST":
        try:
            minutes = whole_number(request.POST.get("minutes"), services.MAX_MINUTES)
            if minutes is None:
                raise TimeError(f"Minutes: enter a whole number from 1 to {services.MAX_MINUTES}.")
            start = _start(request.POST.get("started", ""), patient.practice, entry.started_at)
            new = NewTime(
                minutes,
                entry.activity,
                entry.program,
                request.POST.get("note", "").strip() or entry.note,
                day=local_today(patient.practice, start),
                start=start if start != entry.started_at else None,
            )
            amended = services.add_time(
                request.user,
                request.role,
                request.organization,
                patient,
                new,
                amends=entry,
            )
            log_access(request, "create", amended, patient)
        except TimeError as error:
            _fail(request, error)
    return _answer(request, patient)


def _start(text: str, practice: Any, original: dt.datetime) -> dt.datetime:
    """An amendment's start as typed (YYYY-MM-DDTHH:MM on the practice's clock), else the
    original's; it stays in the original's month (another month is another entry)."""
    if not text.strip():
        return original
    try:
        typed = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise TimeError("Start: enter a date and time as YYYY-MM-DD HH:MM.") from None
    zone_info = ZoneInfo(practice.time_zone)
    start = typed.replace(tzinfo=zone_info) if typed.tzinfo is None else typed
    if BillingMonth.of(start.astimezone(zone_info).date()) != BillingMonth.of(
        original.astimezone(zone_info).date()
    ):
        raise TimeError("Start: an amendment stays in its entry's month.")
    return start


@requires("patients.edit")
def outreach(request: MemberRequest, uid: Any) -> HttpResponse:
    """Log an attempt to reach the patient; from a worklist row, answer with that row."""
    patient = _patient(request, uid)
    if request.method == "POST":
        try:
            next_text = request.POST.get("next_contact", "").strip()
            try:
                next_contact = dt.date.fromisoformat(next_text) if next_text else None
            except ValueError:
                raise TimeError("Next contact: enter a date as YYYY-MM-DD.") from None
            attempt = services.log_outreach(
                request.user,
                request.organization,
                patient,
                _choice(request.POST.get("channel", ""), OutreachAttempt.Channel, "Channel"),
                _choice(request.POST.get("outcome", ""), OutreachAttempt.Outcome, "Outcome"),
                next_contact,
                request.POST.get("note", "").strip(),
            )
            log_access(request, "create", attempt, patient)
        except TimeError as error:
            _fail(request, error)
    if request.POST.get("answer") == "row" and request.htmx:
        row = worklist.build_rows([patient], timezone.now())[0]
        may_assign = can(request.role, "worklist.assign")
        return render(request, "timelog/_worklist_row.html", {"row": row, "may_assign": may_assign})
    return _answer(request, patient)


@requires("mdm.record")
def mdm(request: MemberRequest, uid: Any) -> HttpResponse:
    """The billing practitioner documents this month's medical decision making."""
    patient = _patient(request, uid)
    if request.method == "POST":
        try:
            level = _choice(
                request.POST.get("level", ""), MonthMDM.Level, "Medical decision making"
            )
            month = BillingMonth.of(local_today(patient.practice))
            row = services.record_mdm(request.user, request.organization, patient, month, level)
            log_access(request, "update", row, patient)
        except TimeError as error:
            _fail(request, error)
    return _answer(request, patient)


WORKLIST_PAGE = 50


def _choice_of(request: MemberRequest, name: str, allowed: Any) -> str:
    """A filter's value from the form (POST) or a link (GET), kept only if it is one we offer."""
    value = (request.POST if request.method == "POST" else request.GET).get(name, "")
    return value if value in allowed else ""


@requires("worklist")
def worklist_view(request: MemberRequest) -> HttpResponse:
    """The day plan: this month's patients of the coordinator (a practitioner: those they bill
    for), what is due today, filtered, searched, sorted and paged 50 at a time.

    The name search travels only in a POST body (names are patient data, never in a URL);
    filters, sort and page may come from a link or the form. Counts and "due today" cover
    every patient the filters keep; only the page's rows are rendered and logged as shown.
    """
    may_assign = can(request.role, "worklist.assign")
    coordinators = coordinators_in_practices(request) if may_assign else []
    practices = {p.pk: p for p in request.allowed_practices}
    chosen = {
        "practice": _choice_of(request, "practice", {str(p.uid) for p in practices.values()}),
        "program": _choice_of(request, "program", set(EnrollmentProgram.values)),
        "coordinator": _choice_of(
            request, "coordinator", {str(c.pk) for c in coordinators} | {"none"}
        ),
        "status": _choice_of(request, "status", set(worklist.STATUS_LABELS) | {"due"}),
        "sort": _choice_of(request, "sort", set(worklist.SORTS)) or "rank",
    }
    query = search_param(request.POST.get("q")) if request.method == "POST" else ""

    patients = visible_patients(request)
    if chosen["practice"]:
        patients = patients.filter(practice__uid=chosen["practice"])
    if request.role == Role.COORDINATOR:
        patients = patients.filter(coordinator=request.user)
    else:  # a practitioner: the patients enrolled with them as billing practitioner
        patients = patients.filter(
            enrollments__billing_practitioner__user=request.user,
            enrollments__status="enrolled",
        )
        if chosen["coordinator"] == "none":
            patients = patients.filter(coordinator__isnull=True)
        elif chosen["coordinator"]:
            patients = patients.filter(coordinator_id=int(chosen["coordinator"]))
    patients = name_search(patients, query).exclude(deceased_date__isnull=False)
    # Rank, filter, count, page and show the stored standings (worklist_state); rows are built
    # live only for stale patients. Standings a write or the date made stale are recomputed first,
    # which the counts' query tells. The patients' ids are read once and listed in the
    # standings' queries: as a subquery, PostgreSQL's planner merged it with a scan of every
    # patient of the organisation (bench/RESULTS.md, worklist, 2026-12-02 c).
    now = timezone.now()
    ids = set(patients.values_list("pk", flat=True))  # a join may repeat a patient
    states = WorklistState.objects.filter(patient_id__anyof=ids)
    current = worklist_state.today_at_their_practice(practices, now)
    counts, due, fresh = worklist_state.counts(states, chosen["program"], current)
    if fresh < len(ids):  # a standing missing, marked stale or of another day
        worklist_state.refresh(patients, practices, now)
        counts, due, fresh = worklist_state.counts(states, chosen["program"], current)
    if chosen["program"]:
        states = states.filter(program=chosen["program"])
    if chosen["status"] == "due":
        states, shown = states.filter(due=True), due["all"]
    elif chosen["status"]:
        states, shown = states.filter(status=chosen["status"]), counts[chosen["status"]]
    else:
        shown = sum(counts.values())
    states = states.only(*worklist_state.PAGE_FIELDS)
    paginator = Paginator(states.order_by(*worklist_state.ORDERS[chosen["sort"]]), WORKLIST_PAGE)
    paginator.count = shown  # counted above: no second COUNT(*)
    page = paginator.get_page(
        (request.POST if request.method == "POST" else request.GET).get("page")
    )
    rows = worklist_state.page_rows(list(page.object_list), patients, practices, now)
    page.object_list = rows  # type: ignore[assignment]  # the page's rows
    log_patients_shown(request, [row.patient for row in rows])
    return render(
        request,
        "timelog/worklist.html",
        {
            "page": page,
            "rows": rows,
            "counts": counts,
            "due": due,
            "statuses": worklist.STATUS_LABELS,
            "sorts": {key: label for key, (label, _) in worklist.SORTS.items()},
            "programs": EnrollmentProgram.choices,
            "chosen": chosen,
            "query": query,
            "may_assign": may_assign,
            "coordinators": coordinators,
        },
    )


def _uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _within_reach(patients: Any, coordinator: Any) -> Any:
    """PATIENTS of the practices COORDINATOR's membership covers (all, or those it lists)."""
    limited = Membership.objects.filter(user=coordinator).values_list("practices", flat=True)
    practices = [pk for pk in limited if pk is not None]
    return patients.filter(practice_id__in=practices) if practices else patients


@requires("worklist.assign")
def assign(request: MemberRequest) -> HttpResponse:
    """Assign patients to a coordinator, many at once (checkboxes + "Assign to" + "Reassign")."""
    coordinators = coordinators_in_practices(request)
    if request.method == "POST":
        chosen = next(
            (c for c in coordinators if str(c.pk) == request.POST.get("coordinator")), None
        )
        uids = [u for u in request.POST.getlist("patient") if _uuid(u)]
        if chosen is None:
            messages.error(request, "Assign to: choose a coordinator.")
        elif not uids:
            messages.error(request, "Patients: tick at least one patient.")
        else:
            reached = list(_within_reach(visible_patients(request), chosen).filter(uid__in=uids))
            for patient in reached:
                log_access(request, "update", patient)
            moved = (
                visible_patients(request)
                .filter(pk__in=[p.pk for p in reached])
                .update(coordinator=chosen)
            )
            messages.success(request, f"{moved} patients assigned to {chosen.get_username()}.")
            if moved < len(set(uids)):
                messages.warning(
                    request,
                    f"{len(set(uids)) - moved} not assigned: their practice is not one "
                    f"{chosen.get_username()} works in.",
                )
        back = request.POST.get("next", "")
        return redirect(
            back
            if back in (reverse("timelog:worklist"), reverse("timelog:assign"))
            else "timelog:assign"
        )
    current = request.GET.get("coordinator", "")
    patients = (
        visible_patients(request)
        .select_related("practice", "coordinator")
        .order_by("family_name", "given_name", "pk")
    )
    if current == "none":
        patients = patients.filter(coordinator__isnull=True)
    elif current:
        coordinator = id_param(current)
        if coordinator is None:
            raise BadRequest("Coordinator: not one of the listed coordinators.")
        patients = patients.filter(coordinator_id=coordinator)
    page = list(patients[:500])
    log_patients_shown(request, page)
    return render(
        request,
        "timelog/assign.html",
        {
            "patients": page,
            "coordinators": coordinators,
            "current": current,
        },
    )
