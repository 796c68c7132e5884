from django.apps import AppConfig


class CareTasksConfig(AppConfig):
    name = "ccmweb.care_tasks"
    label = "care_tasks"
    verbose_name = "Tasks"

    def ready(self) -> None:
        from ccmweb.patients.panels import register
        from ccmweb.timelog.worklist import DUE_SOURCES

        from . import signals  # noqa: F401  (discharge encounters make follow-up tasks)
        from .services import due_by_patient
        from .views import panel_context

        register("care_tasks/panel.html", panel_context)
        if due_by_patient not in DUE_SOURCES:
            DUE_SOURCES.append(due_by_patient)
