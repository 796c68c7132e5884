from django.urls import path

from . import staff

app_name = "accounts"
urlpatterns = [
    path("", staff.staff, name="staff"),
    path("<uuid:uid>/", staff.member, name="member"),
    path("<uuid:uid>/deactivate/", staff.deactivate, name="deactivate"),
    path("<uuid:uid>/two-factor/", staff.reset_two_factor, name="reset_two_factor"),
    path("invitations/<uuid:uid>/revoke/", staff.revoke_invitation, name="revoke_invitation"),
]
