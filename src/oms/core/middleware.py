from oms.core.context import begin_request, current_request_id, end_request, set_actor, user_actor


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
