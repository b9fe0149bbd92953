"""Personal API tokens: list, create (secret shown once), revoke."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, ListView, TemplateView

from portal.selectors import api_tokens_for_user
from portal.services.tokens import api_token_create, api_token_revoke
from portal.web.forms import TokenCreateForm, add_service_errors


class TokenListView(LoginRequiredMixin, ListView):
    """The user's tokens with their prefix, dates and last use, and the form for a new one."""

    template_name = "tokens/list.html"
    context_object_name = "tokens"

    def get_queryset(self):
        return api_tokens_for_user(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = TokenCreateForm()
        context["now"] = timezone.now()
        return context


class TokenCreateView(LoginRequiredMixin, FormView):
    """Create a token and show its secret on the response page, the only time it is shown."""

    template_name = "tokens/create.html"
    form_class = TokenCreateForm
    http_method_names = ["get", "post", "head", "options"]

    def form_valid(self, form):
        try:
            token, secret = api_token_create(
                user=self.request.user,
                name=form.cleaned_data["name"],
                expires_in_days=form.cleaned_data["expires_in_days"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        # Rendered, not redirected: the secret is never stored, not even in the session.
        response = self.response_class(
            request=self.request,
            template="tokens/created.html",
            context={
                "token": token,
                "secret": secret,
                "api_root": self.request.build_absolute_uri("/api/v1/"),
                "api_docs": self.request.build_absolute_uri(reverse("api-docs")),
                "header_prefix": settings.REST_KNOX.get("AUTH_HEADER_PREFIX", "Token"),
            },
        )
        response["Cache-Control"] = "no-store"
        return response


class TokenRevokeView(LoginRequiredMixin, TemplateView):
    """GET asks for confirmation; POST revokes one of the user's own tokens."""

    template_name = "tokens/revoke.html"

    def _token(self):
        token = (
            api_tokens_for_user(user=self.request.user)
            .filter(token_key=self.kwargs["token_key"])
            .first()
        )
        if token is None:
            raise Http404("No such token.")
        return token

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["token"] = self._token()
        return context

    def post(self, request, *args, **kwargs):
        token = self._token()
        api_token_revoke(user=request.user, token_key=token.token_key)
        messages.success(request, f"Token '{token.name}' revoked: it no longer authenticates.")
        return redirect("tokens")
