from django.urls import path

from . import views

app_name = "timelog"
urlpatterns = [
    path("worklist/", views.worklist_view, name="worklist"),
    path("assign/", views.assign, name="assign"),
    path("patients/<uuid:uid>/time/", views.add_time, name="add_time"),
    path("patients/<uuid:uid>/timer/", views.timer, name="timer"),
    path("patients/<uuid:uid>/outreach/", views.outreach, name="outreach"),
    path("patients/<uuid:uid>/mdm/", views.mdm, name="mdm"),
    path("entries/<uuid:uid>/amend/", views.amend, name="amend"),
]
