from django.urls import path

from . import views

app_name = "enrollment"
urlpatterns = [
    path("<uuid:uid>/consent/", views.consent, name="consent"),
    path("<uuid:uid>/revoke/", views.revoke, name="revoke"),
    path("<uuid:uid>/initiating-visit/", views.initiating_visit, name="initiating_visit"),
    path("consent/<uuid:uid>/document/", views.consent_document, name="consent_document"),
]
