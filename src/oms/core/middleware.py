from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csrf import CsrfViewMiddleware

from oms.core.context import begin_request, current_request_id, end_request, set_actor, user_actor

API_PREFIX = "/api/"


class _PagesOnly:
    """Runs the middleware it is mixed into for the back office and other pages, not for the JSON
    API under /api/: API calls authenticate with a bearer token and never use a session, the CSRF
    cookie, flash messages or frame options, and on every call those cost a few tenths of a
    millisecond (a twentieth of placing an order). Subclasses of Django's own classes, so that
    the admin's checks for them still hold."""

    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        return super().__call__(request)


class SessionForPages(_PagesOnly, SessionMiddleware):
    pass


class CsrfForPages(_PagesOnly, CsrfViewMiddleware):
    def process_view(self, request, callback, callback_args, callback_kwargs):
        if request.path_info.startswith(API_PREFIX):
            return None
        return super().process_view(request, callback, callback_args, callback_kwargs)


class AuthenticationForPages(_PagesOnly, AuthenticationMiddleware):
    pass


class MessagesForPages(_PagesOnly, MessageMiddleware):
    pass


class FrameOptionsForPages(_PagesOnly, XFrameOptionsMiddleware):
    pass


class RequestContextMiddleware:
    """Gives each request an id (kept from X-Request-ID when sent) and, for logged-in users, an actor."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tokens = begin_request(request.headers.get("X-Request-ID"))
        try:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                set_actor(user_actor(user))
            response = self.get_response(request)
            response["X-Request-ID"] = current_request_id()
            return response
        finally:
            end_request(tokens)
