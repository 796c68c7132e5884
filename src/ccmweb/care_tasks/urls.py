from django.urls import path

from . import views

app_name = "care_tasks"
urlpatterns = [
    path("", views.task_list, name="list"),
    path("queue/", views.queue, name="queue"),
    path("patient/<uuid:uid>/add/", views.add, name="add"),
    path("<uuid:uid>/done/", views.complete, name="complete"),
    path("signoff/<uuid:claim_uid>/return/", views.return_signoff, name="return_signoff"),
]
