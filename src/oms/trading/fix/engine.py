"""The quickfix adapter: session settings, message conversion and sending (needs the ``fix`` extra).

Sessions keep their state (sequence numbers and every sent message, for resends) in a quickfix
FileStore under ``<OMS_DATA_DIR>/fix/<name>/store``; nothing resets it on logon or logout, so a
restarted process resumes the sequence numbers and answers the counterparty's resend requests.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import quickfix as fix
from django.conf import settings as django_settings
from django.db import connections

from oms.trading.fix import wire
from oms.trading.fix.dictionary import default_dictionary_path

log = logging.getLogger("oms.trading.fix")
BEGIN_STRING = "FIX.4.4"


@dataclass(frozen=True)
class SessionConfig:
    """One FIX session, named from our side: we are ``sender``, the counterparty is ``target``."""

    sender: str
    target: str
    host: str = "127.0.0.1"        # initiator: where to connect
    port: int = 0                  # acceptor: where to listen; initiator: where to connect
    default_account: str | None = None  # acceptor: account for orders without Account (1)
    accounts: frozenset[str] = frozenset()  # acceptor: accounts this client may trade (empty: any)

    @property
    def session_id(self) -> fix.SessionID:
        return fix.SessionID(BEGIN_STRING, self.sender, self.target)


def data_root(name: str) -> Path:
    return Path(django_settings.DATA_DIR) / "fix" / name


def session_settings(*, connection_type: str, sessions: list[SessionConfig], root: Path,
                     dictionary: Path | None = None, heartbeat: int = 30, reconnect: int = 5) -> fix.SessionSettings:
    dictionary = dictionary or default_dictionary_path()
    if dictionary is None:
        raise RuntimeError("no FIX44.xml data dictionary found: set OMS_FIX_DATA_DICTIONARY")
    (root / "store").mkdir(parents=True, exist_ok=True)
    (root / "log").mkdir(parents=True, exist_ok=True)
    defaults = fix.Dictionary()
    for key, value in {
        "ConnectionType": connection_type,
        "FileStorePath": str(root / "store"),
        "FileLogPath": str(root / "log"),
        "NonStopSession": "Y",          # sequence numbers run on until an operator resets them
        "UseDataDictionary": "Y",
        "DataDictionary": str(dictionary),
        "TimestampPrecision": "6",      # microseconds in SendingTime
        "HeartBtInt": str(heartbeat),
        "ReconnectInterval": str(reconnect),
        "ValidateUserDefinedFields": "N",
        "AllowUnknownMsgFields": "Y",
        "PersistMessages": "Y",
        "ResetOnLogon": "N", "ResetOnLogout": "N", "ResetOnDisconnect": "N",
        "SocketNodelay": "Y",
        "SocketReuseAddress": "Y",
    }.items():
        defaults.setString(key, value)
    settings = fix.SessionSettings()
    settings.set(defaults)
    for session in sessions:
        section = fix.Dictionary()
        if connection_type == "acceptor":
            section.setString("SocketAcceptPort", str(session.port))
        else:
            section.setString("SocketConnectHost", session.host)
            section.setString("SocketConnectPort", str(session.port))
        settings.set(session.session_id, section)
    return settings


def stores_and_logs(settings: fix.SessionSettings, *, screen_log: bool = False):
    log_factory = fix.ScreenLogFactory(settings) if screen_log else fix.FileLogFactory(settings)
    return fix.FileStoreFactory(settings), log_factory


def from_quickfix(message: fix.Message) -> wire.FixMessage:
    return wire.decode(message.toString())


_DICTIONARIES: dict[str, fix.DataDictionary] = {}


def data_dictionary(path: Path | None = None) -> fix.DataDictionary:
    path = path or default_dictionary_path()
    if path is None:
        raise RuntimeError("no FIX44.xml data dictionary found: set OMS_FIX_DATA_DICTIONARY")
    if str(path) not in _DICTIONARIES:
        _DICTIONARIES[str(path)] = fix.DataDictionary(str(path))
    return _DICTIONARIES[str(path)]


def send(msg: wire.FixMessage, session_id: fix.SessionID, dictionary: fix.DataDictionary) -> bool:
    """Queue ``msg`` on the session: stored (for resends) and sent now if logged on, else after logon."""
    if fix.Session.lookupSession(session_id) is None:
        log.error("FIX session %s does not exist; %s not sent", session_id.toString(), msg.msg_type)
        return False
    # Parsed with the dictionary so that repeating groups become groups; the engine fills the header.
    message = fix.Message(wire.encode(msg), dictionary, False)
    return bool(fix.Session.sendToTarget(message, session_id))


def release_db_connections() -> None:
    """Close this thread's database connections (Django keeps one per thread), unless a transaction
    is open on it (a logout can be called on the thread that stops the engine)."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


def sequence_numbers(session_id: fix.SessionID) -> tuple[int, int]:
    """(next we send, next we expect) for a live session."""
    session = fix.Session.lookupSession(session_id)
    return session.getExpectedSenderNum(), session.getExpectedTargetNum()
