from django.urls import path

from . import views

app_name = "assessments"
urlpatterns = [
    path("<uuid:uid>/", views.history, name="history"),
    path("<uuid:uid>/<slug:key>/", views.take, name="take"),
]
