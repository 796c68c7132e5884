from django.urls import path

from . import views

app_name = "careplans"
urlpatterns = [
    path("new/<uuid:uid>/", views.new, name="new"),
    path("<uuid:uid>/", views.detail, name="detail"),
    path("<uuid:uid>/revise/", views.revise, name="revise"),
    path("<uuid:uid>/progress/", views.progress, name="progress"),
    path("version/<uuid:uid>/sign/", views.sign, name="sign"),
    path("version/<uuid:uid>/patient-copy.pdf", views.patient_copy, name="patient_copy"),
    path("version/<uuid:uid>/copy-given/", views.copy_given, name="copy_given"),
]
