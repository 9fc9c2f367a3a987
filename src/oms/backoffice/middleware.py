"""Each operator's chosen language, over whatever the browser asks for."""

from __future__ import annotations

from django.utils import translation

from oms.backoffice.selectors.prefs import SESSION_KEY, language_of


class UserLanguageMiddleware:
    """After authentication: activate the language the logged-in user chose in the back office.

    The choice is read from the session (one lookup per session, then cached there), so a user who
    logs in on another device gets it too. Without a choice, LocaleMiddleware's pick stands.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = request.session.get(SESSION_KEY)
            if language is None:
                language = language_of(user)
                request.session[SESSION_KEY] = language
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)
