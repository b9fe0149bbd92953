"""Assessment and run routes, included under ``orgs/<org_slug>/`` (names in the ``api`` namespace).

``assessments/services/callbacks.py`` reverses ``api:run-detail``, ``api:run-results`` and
``api:run-pdf`` with ``org_slug`` and ``pk``: keep those names and arguments.
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from assessments.api.runs import (
    RunCompareView,
    RunEmailsView,
    RunReportPdfView,
    RunResultsView,
    RunResultsXlsxView,
    RunSnapshotView,
    RunViewSet,
)
from assessments.api.views import AssessmentRunsView, AssessmentViewSet

router = SimpleRouter()
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("runs", RunViewSet, basename="run")

urlpatterns = [
    path("assessments/<int:pk>/runs/", AssessmentRunsView.as_view(), name="assessment-runs"),
    path("runs/<int:pk>/results/", RunResultsView.as_view(), name="run-results"),
    path("runs/<int:pk>/results.xlsx", RunResultsXlsxView.as_view(), name="run-xlsx"),
    path("runs/<int:pk>/snapshot/", RunSnapshotView.as_view(), name="run-snapshot"),
    path("runs/<int:pk>/report.pdf", RunReportPdfView.as_view(), name="run-pdf"),
    path("runs/<int:pk>/emails/", RunEmailsView.as_view(), name="run-emails"),
    path("runs/<int:pk>/compare/<int:other_pk>/", RunCompareView.as_view(), name="run-compare"),
    *router.urls,
]
