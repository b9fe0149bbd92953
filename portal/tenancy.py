"""The one place that decides which organization a request acts for, and with what role.

Every tenant page derives from ``OrgScopedView`` and every tenant API view from
``OrgScopedAPIView``/``OrgScopedViewSet``. They resolve the organization from the URL's
``org_slug`` and the user's membership, answer 404 to anyone who is not a member (no
enumeration), check the role the method needs, and own ``get_queryset``/``get_object``:
subclasses only narrow the scoped queryset through ``scoped_queryset(organization)``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from rest_framework import exceptions as drf_exceptions
from rest_framework import viewsets
from rest_framework.generics import GenericAPIView

from portal.models import Membership, Organization, Role
from portal.two_factor import two_factor_satisfied

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
_SEALED = ("get_queryset", "get_object", "dispatch", "initial", "check_permissions")


def membership_for(user, org_slug: str) -> Membership:
    """The user's membership in the organization named by the slug, or 404."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such organization.")
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=user, organization__slug=org_slug)
        .first()
    )
    if membership is None:
        raise Http404("No such organization.")
    return membership


class _Sealed:
    """Refuses subclasses that override the scoping hooks (they must use ``scoped_queryset``)."""

    _sealed_owner: type | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if getattr(cls, "_is_scope_base", False):
            cls._is_scope_base = False
            cls._sealed_owner = cls
            return
        for name in _SEALED:
            if name in cls.__dict__:
                raise TypeError(
                    f"{cls.__name__} overrides {name}(); tenant views narrow their data "
                    f"through scoped_queryset(organization) only."
                )


class _RoleRules:
    """Which role each HTTP method needs; views raise the bar with ``write_role``/``read_role``."""

    read_role: Role = Role.VIEWER
    write_role: Role = Role.ANALYST
    method_roles: dict[str, Role] = {}

    def required_role(self, method: str) -> Role:
        if method in self.method_roles:
            return self.method_roles[method]
        return self.read_role if method in SAFE_METHODS else self.write_role

    def scoped_queryset(self, organization: Organization) -> QuerySet:
        """The subclass's data for this organization, from a manager's ``for_organization``."""
        raise NotImplementedError(f"{type(self).__name__} lists no data")


class OrgScopedView(_Sealed, _RoleRules, LoginRequiredMixin):
    """Base of every tenant web page (mix into a Django generic view, this class first)."""

    _is_scope_base = True
    # Pages are forms and links: PUT, PATCH and DELETE would reach generic views' handlers
    # (DeleteView.delete, ProcessFormView.put) that no page means to offer.
    http_method_names = ["get", "post", "head", "options"]
    organization: Organization
    membership: Membership

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.membership = membership_for(request.user, kwargs["org_slug"])
        self.organization = self.membership.organization
        request.organization = self.organization
        request.membership = self.membership
        if not two_factor_satisfied(request, self.organization):
            # Set up (or, signed in elsewhere, enter) the second factor before anything else.
            return redirect(reverse("two-factor") + "?" + urlencode({"next": request.path}))
        if not self.membership.has_role(self.required_role(request.method)):
            raise PermissionDenied("Your role in this organization does not allow this.")
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return self.scoped_queryset(self.organization)

    def get_object(self, queryset=None):
        queryset = self.get_queryset() if queryset is None else queryset
        try:
            return queryset.get(pk=self.kwargs["pk"])
        except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
            raise Http404("Not found.") from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["organization"] = self.organization
        context["membership"] = self.membership
        return context


class _ApiScope(_RoleRules):
    """Organization resolution and role checks shared by the API bases."""

    organization: Organization
    membership: Membership
    model: type  # the model listed, for schema generation (which has no organization)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication and IsAuthenticated
        try:
            self.membership = membership_for(request.user, kwargs["org_slug"])
        except Http404 as exc:
            raise drf_exceptions.NotFound("No such organization.") from exc
        self.organization = self.membership.organization
        request.organization = self.organization
        token_user = request.user if request.auth is not None else None
        if not two_factor_satisfied(request._request, self.organization, token_user=token_user):
            raise drf_exceptions.PermissionDenied(
                f"{self.organization.name} requires two-factor sign-in: set it up under "
                "Account > Two-factor sign-in, then use this API."
            )
        if not self.membership.has_role(self.required_role(request.method)):
            raise drf_exceptions.PermissionDenied(
                f"This needs the {self.required_role(request.method).label} role or above; "
                f"yours is {self.membership.role_enum.label}."
            )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no request org
            return self.model._default_manager.none()
        return self.scoped_queryset(self.organization)

    def get_object(self):
        # The list's filters, search and ordering do not apply to one object named by its id
        # (and building the filter form cost a detail request a third of its time).
        queryset = self.get_queryset()
        lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        try:
            obj = queryset.get(**{self.lookup_field: lookup})
        except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
            raise drf_exceptions.NotFound("Not found.") from exc
        self.check_object_permissions(self.request, obj)
        return obj


class OrgScopedAPIView(_Sealed, _ApiScope, GenericAPIView):
    """Base of every tenant API command view (bulk upsert, start a run...)."""

    _is_scope_base = True


class OrgScopedViewSet(_Sealed, _ApiScope, viewsets.GenericViewSet):
    """Base of every tenant API viewset; add the mixins (list, create...) it offers."""

    _is_scope_base = True

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.action == "list":
            self._refuse_unclear_parameters(request)

    def _refuse_unclear_parameters(self, request) -> None:
        """A list must not quietly return more than was asked: a misspelt parameter is named
        with what is known, and a filter given twice or empty is refused (django-filter would
        take the last value, or drop the filter)."""
        filters = set()
        filterset = getattr(self, "filterset_class", None)
        if filterset is not None:
            filters = set(filterset.base_filters)
        known = {"format"} | filters
        for backend in self.filter_backends:
            for attribute in ("search_param", "ordering_param"):
                if hasattr(backend, attribute):
                    known.add(getattr(backend, attribute))
        paginator = self.paginator
        if paginator is not None:
            known |= {
                getattr(paginator, name)
                for name in ("page_query_param", "page_size_query_param")
                if getattr(paginator, name, None)
            }
        allowed = ", ".join(sorted(known))
        problems = {}
        for name, values in sorted(request.query_params.lists()):
            if name not in known:
                problems[name] = [f"not a parameter of this list; known: {allowed}"]
            elif len(values) > 1:
                problems[name] = ["Give this parameter once."]
            elif name in filters and values[0] == "":
                problems[name] = ["Empty: give a value, or leave the parameter out."]
        if problems:
            raise drf_exceptions.ValidationError(problems)
