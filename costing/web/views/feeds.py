"""Import a price feed's file into a new draft from the catalog pages, and show its diff.

Staff import into the public catalog; an organization's admins into its own catalogs. The
draft is never published by the upload: its page shows the diff for review.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.views.generic import FormView

from costing.feeds import FeedError
from costing.models import Catalog
from costing.selectors import catalogs_for
from costing.services.catalog_io import CatalogImportError
from costing.services.feed_sync import feed_sync
from costing.web.forms import FeedImportForm
from portal.models import Role
from portal.tenancy import OrgScopedView

STAFF_ONLY = "Only staff import price feeds into the public catalog."


def may_import_feeds(request, catalog: Catalog, *, is_admin: bool) -> bool:
    """Staff for a public catalog; the organization's admins for its own."""
    return request.user.is_staff if catalog.is_public else is_admin


class CatalogFeedImportView(OrgScopedView, FormView):
    """Upload a feed file: a new draft version with the feed's rows replaced and its diff."""

    section = "catalogs"
    read_role = Role.ADMIN
    write_role = Role.ADMIN
    template_name = "catalogs/feed_import.html"
    form_class = FeedImportForm

    def scoped_queryset(self, organization):
        return catalogs_for(organization=organization)

    def _catalog(self) -> Catalog:
        catalog = self.get_object()
        if catalog.is_public and not self.request.user.is_staff:
            raise PermissionDenied(STAFF_ONLY)
        return catalog

    def get_context_data(self, **kwargs):
        return super().get_context_data(catalog=self._catalog(), **kwargs)

    def form_valid(self, form):
        catalog = self._catalog()
        name, data = form.cleaned_data["file"]
        try:
            result = feed_sync(
                source=form.cleaned_data["source"],
                data=data,
                as_of=form.cleaned_data["as_of"],
                organization=None if catalog.is_public else self.organization,
                catalog=catalog,
                file_name=name,
            )
        except CatalogImportError as exc:
            for message in exc.messages[:20]:
                form.add_error("file", message)
            return self.form_invalid(form)
        except (FeedError, ValidationError) as exc:
            form.add_error("file", " ".join(getattr(exc, "messages", [str(exc)])))
            return self.form_invalid(form)
        draft = result.catalog
        messages.success(
            self.request,
            f"{result.source}: draft {draft.name} {draft.version} holds the feed's "
            f"{result.diff['counts']['rows']} offers. Review the diff below, then publish.",
        )
        return redirect("catalog-detail", org_slug=self.organization.slug, pk=draft.pk)
