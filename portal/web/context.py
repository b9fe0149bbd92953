"""Template context for the site's shell: the user's organizations and the current one."""

from portal.models import Role
from portal.selectors import memberships_for_user
from portal.web.current import remembered_slug


def shell(request):
    """``my_memberships`` for the switcher; the current organization and what the user may do.

    On a tenant page the current organization is the page's; elsewhere (account pages) it is
    the one last chosen, so the navigation stays in place.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = list(memberships_for_user(user=user))
    current = getattr(request, "membership", None)
    if current is None:
        slug = remembered_slug(request)
        current = next((m for m in memberships if m.organization.slug == slug), None)
        if current is None and memberships:
            current = memberships[0]
    return {
        "my_memberships": memberships,
        "current_membership": current,
        "current_organization": current.organization if current else None,
        "can_edit": bool(current and current.has_role(Role.ANALYST)),
        "can_admin": bool(current and current.has_role(Role.ADMIN)),
    }
