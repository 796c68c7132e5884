from django.contrib.auth import views as auth_views
from django.urls import include, path

from ccmweb.accounts import staff as staff_views
from ccmweb.accounts import views as account_views
from ccmweb.tenants import views as tenant_views

handler400 = "ccmweb.params.bad_request"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("login/code/", account_views.login_code, name="login_code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("switch/", account_views.switch, name="switch"),
    path("password/", account_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("two-factor/", account_views.two_factor_page, name="two_factor"),
    path("access-log/", account_views.access_log, name="access_log"),
    path("healthz", account_views.healthz, name="healthz"),
    path("invite/", staff_views.accept_invitation, name="accept_invitation"),
    path("invite/<str:token>/", staff_views.invitation_link, name="invitation_link"),
    path("brand.css", tenant_views.brand_css, name="brand_css"),
    path("logo", tenant_views.logo, name="logo"),
    path("admin/", include("ccmweb.tenants.urls")),
    path("admin/staff/", include("ccmweb.accounts.staff_urls")),
    path("patients/", include("ccmweb.patients.urls")),
    path("enrollment/", include("ccmweb.enrollment.urls")),
    path("careplans/", include("ccmweb.careplans.urls")),
    path("assessments/", include("ccmweb.assessments.urls")),
    path("tasks/", include("ccmweb.care_tasks.urls")),
    path("medications/", include("ccmweb.medications.urls")),
    path("time/", include("ccmweb.timelog.urls")),
    path("billing/", include("ccmweb.billing.urls")),
    path("imports/", include("ccmweb.imports.urls")),
    path("reports/", include("ccmweb.reports.urls")),
]
