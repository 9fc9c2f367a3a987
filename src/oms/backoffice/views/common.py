"""What every back-office page shares: the admin's look and navigation, staff-only access, permissions."""

from __future__ import annotations

from functools import wraps

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render

from oms.core.errors import DomainError


def page(request, template: str, context: dict, *, title: str = ""):
    """Render inside the admin's frame (header with search and language switch). The admin's sidebar of
    every app and model is left out: it costs more to render than a page of 50 orders, and the
    header's links and search reach everything an operator opens all day."""
    site = admin.site
    frame = {"site_title": site.site_title, "site_header": site.site_header, "site_url": site.site_url,
             "has_permission": site.has_permission(request), "available_apps": [], "is_popup": False,
             "is_nav_sidebar_enabled": False}  # admin.site.each_context without the app list it builds
    return render(request, template, {**frame, "title": title, **context})


def operator_view(perm: str | None = None):
    """Staff only (others go to the login page); ``perm`` is also required when given (403 otherwise)."""
    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if perm and not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)
        return staff_member_required(wrapped)
    return decorate


def operator_json(perm: str | None = None):
    """For the small JSON look-ups of the pages: 403 JSON instead of a login redirect."""
    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not (user.is_active and user.is_staff) or (perm and not user.has_perm(perm)):
                return error_json(DomainError("Not allowed", code="forbidden", status=403))
            return view(request, *args, **kwargs)
        return wrapped
    return decorate


def error_json(exc: DomainError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.status)
