from django.apps import AppConfig


class TimelogConfig(AppConfig):
    name = "ccmweb.timelog"

    def ready(self) -> None:
        """Put the time panel on the patient page; keep the worklist's standings fresh."""
        from ccmweb.patients.panels import register

        from . import worklist_state
        from .views import panel_context

        register("timelog/panel.html", panel_context)
        worklist_state.connect()
