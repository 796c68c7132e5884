from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("runs/<uuid:uid>/", views.run_detail, name="run"),
    path("runs/<uuid:uid>/progress/", views.run_progress, name="progress"),
    path("runs/<uuid:uid>/resume/", views.resume, name="resume"),
    path("runs/<uuid:uid>/problems.csv", views.problems_csv, name="problems_csv"),
    path("audit/", views.audit_page, name="audit"),
    path("audit/recompute/", views.audit_recompute, name="audit_recompute"),
    path("audit/outreach.csv", views.audit_csv, name="audit_csv"),
]
