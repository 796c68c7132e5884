from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("program/", views.program, name="program"),
    path("revenue/", views.revenue, name="revenue"),
    path("coordinators/", views.coordinators, name="coordinators"),
    path("outcomes/", views.outcomes, name="outcomes"),
    path("refresh/", views.refresh, name="refresh"),
    path("company/", views.company, name="company"),
    path("company/contract/", views.contract, name="contract"),
]
