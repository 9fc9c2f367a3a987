"""Who is acting and in which request: set by the middleware and the API auth, read by the audit trail."""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    type: str  # "user", "token" or "system"
    id: str = ""
    label: str = ""

    @property
    def key(self) -> str:
        return f"{self.type}:{self.id}"


SYSTEM = Actor(type="system", id="", label="system")

_actor: contextvars.ContextVar[Actor] = contextvars.ContextVar("oms_actor", default=SYSTEM)
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("oms_request_id", default="")


def current_actor() -> Actor:
    return _actor.get()


def current_request_id() -> str:
    return _request_id.get()


def set_actor(actor: Actor) -> contextvars.Token:
    return _actor.set(actor)


def reset_actor(token: contextvars.Token) -> None:
    _actor.reset(token)


def begin_request(request_id: str | None) -> tuple[contextvars.Token, contextvars.Token]:
    rid = (request_id or "")[:64] or uuid.uuid4().hex
    return _request_id.set(rid), _actor.set(SYSTEM)


def end_request(tokens: tuple[contextvars.Token, contextvars.Token]) -> None:
    _request_id.reset(tokens[0])
    _actor.reset(tokens[1])


def user_actor(user) -> Actor:
    return Actor(type="user", id=str(user.pk), label=user.get_username())
