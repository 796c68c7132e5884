from django.urls import path

from . import views

app_name = "medications"
urlpatterns = [path("<uuid:uid>/reconcile/", views.reconcile, name="reconcile")]
