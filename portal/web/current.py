"""The organization a user last chose, remembered in the session for '/' and the shell."""

SESSION_KEY = "sovra_current_org"


def remember_organization(request, slug: str) -> None:
    request.session[SESSION_KEY] = slug


def remembered_slug(request) -> str | None:
    session = getattr(request, "session", None)
    return session.get(SESSION_KEY) if session is not None else None


def forget_organization(request, slug: str) -> None:
    if remembered_slug(request) == slug:
        del request.session[SESSION_KEY]
