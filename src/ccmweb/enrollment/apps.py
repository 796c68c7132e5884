from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "ccmweb.enrollment"

    def ready(self) -> None:
        from ccmweb.patients.panels import register

        from .views import panel_context

        register("enrollment/panel.html", panel_context)
