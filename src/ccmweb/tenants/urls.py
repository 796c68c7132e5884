from django.urls import path

from ccmweb.billing.settings_page import billing_settings_page

from . import fees_page, views

app_name = "tenants"
urlpatterns = [
    path("organisation/", views.organisation, name="organisation"),
    path("practices/", views.practices, name="practices"),
    path("practices/new/", views.practice_new, name="practice_new"),
    path("practices/<uuid:uid>/", views.practice_edit, name="practice_edit"),
    path("practices/<uuid:uid>/archive/", views.practice_archive, name="practice_archive"),
    path("practices/<uuid:uid>/onboarding/", views.onboarding, name="onboarding"),
    path("practices/<uuid:uid>/billing/", billing_settings_page, name="billing_settings"),
    path(
        "practices/<uuid:uid>/practitioners/new/",
        views.practitioner_new,
        name="practitioner_new",
    ),
    path("practices/<uuid:uid>/revenue-code/", views.revenue_code, name="revenue_code"),
    path("practitioners/<uuid:uid>/", views.practitioner_edit, name="practitioner_edit"),
    path("fees/", fees_page.fee_schedules, name="fees"),
]
