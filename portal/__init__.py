"""Sovra's Django project and tenancy core: organizations, members, tokens, the inventory."""

from portal.celery import app as celery_app

__all__ = ("celery_app",)
