from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "ccmweb.assessments"

    def ready(self) -> None:
        from ccmweb.patients.panels import register

        from .views import panel_context

        register("assessments/panel.html", panel_context)
