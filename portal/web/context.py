"""Template context for the site's shell: the user's organizations for the switcher."""

from portal.selectors import memberships_for_user


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"my_memberships": memberships_for_user(user=user)}
