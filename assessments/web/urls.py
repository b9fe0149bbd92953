"""Routes of the assessment pages, included under ``/o/<org_slug>/assessments/``."""

from django.urls import path

from assessments.web.views import assessments, runs

urlpatterns = [
    path("", assessments.AssessmentListView.as_view(), name="assessment-list"),
    path("new/", assessments.AssessmentCreateView.as_view(), name="assessment-create"),
    path("<int:pk>/", assessments.AssessmentDetailView.as_view(), name="assessment-detail"),
    path("<int:pk>/edit/", assessments.AssessmentUpdateView.as_view(), name="assessment-update"),
    path("<int:pk>/delete/", assessments.AssessmentDeleteView.as_view(), name="assessment-delete"),
    path("<int:pk>/run/", assessments.AssessmentRunView.as_view(), name="assessment-run"),
    path("runs/<int:pk>/", runs.RunDetailView.as_view(), name="run-detail"),
    path("runs/<int:pk>/progress/", runs.RunProgressView.as_view(), name="run-progress"),
    path("runs/<int:pk>/report.pdf", runs.RunPdfView.as_view(), name="run-pdf"),
    path("runs/<int:pk>/results.xlsx", runs.RunResultsXlsxView.as_view(), name="run-xlsx"),
    path("runs/<int:pk>/email/", runs.RunEmailView.as_view(), name="run-email"),
    path("runs/<int:pk>/compare/<int:other>/", runs.RunCompareView.as_view(), name="run-compare"),
]
