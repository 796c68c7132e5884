from django.urls import path

from . import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("<uuid:uid>/", views.patient_detail, name="detail"),
    path("<uuid:uid>/care-team/", views.care_team_add, name="care_team_add"),
    path("care-team/<uuid:uid>/remove/", views.care_team_remove, name="care_team_remove"),
]
