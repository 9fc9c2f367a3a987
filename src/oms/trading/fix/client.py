"""A plain FIX 4.4 counterparty for smoke tests, the test suite and the benchmark.

``FixPeer`` runs one session (as initiator: a client of our acceptor; as acceptor: a stand-in venue
for our initiator), sends ``FixMessage`` values and collects what arrives, application and admin
messages alike, so that a test can wait for an ExecutionReport or a Reject.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path

import quickfix as fix

from oms.trading.fix import engine
from oms.trading.fix.wire import FixMessage

log = logging.getLogger("oms.trading.fix.client")

class PeerApplication(fix.Application):
    def __init__(self, owner: "FixPeer", on_message: Callable[[FixMessage, "FixPeer"], None] | None = None) -> None:
        super().__init__()
        self.owner = owner
        self.received: queue.Queue[FixMessage] = queue.Queue()
        self.logged_on = threading.Event()
        self.on_message = on_message

    def onCreate(self, sessionID):  # noqa: N802, N803 - quickfix's names
        pass

    def onLogon(self, sessionID):  # noqa: N802, N803
        self.logged_on.set()

    def onLogout(self, sessionID):  # noqa: N802, N803
        self.logged_on.clear()

    def toAdmin(self, message, sessionID):  # noqa: N802, N803
        pass

    def fromAdmin(self, message, sessionID):  # noqa: N802, N803
        msg = engine.from_quickfix(message)
        if msg.msg_type == "3":  # session-level rejects are what a test of bad input waits for
            self.received.put(msg)

    def toApp(self, message, sessionID):  # noqa: N802, N803
        pass

    def fromApp(self, message, sessionID):  # noqa: N802, N803
        msg = engine.from_quickfix(message)
        self.received.put(msg)
        if self.on_message is not None:
            try:
                self.on_message(msg, self.owner)
            except Exception:  # noqa: BLE001 - never into the engine
                log.exception("FIX peer handler failed")


class FixPeer:
    def __init__(self, *, connection_type: str, config: engine.SessionConfig, root: Path,
                 dictionary: Path | None = None, heartbeat: int = 30, reconnect: int = 1,
                 on_message: Callable[[FixMessage, "FixPeer"], None] | None = None) -> None:
        """``on_message(msg, peer)`` is called for each application message (e.g. a test venue's answers)."""
        self.config = config
        self.session_id = config.session_id
        self.settings = engine.session_settings(connection_type=connection_type, sessions=[config], root=root,
                                                dictionary=dictionary, heartbeat=heartbeat, reconnect=reconnect)
        self.dictionary = engine.data_dictionary(dictionary)
        self.application = PeerApplication(self, on_message)
        self._seen: list[FixMessage] = []
        # Kept on self: the C++ engine holds only references to the factories (freed objects crash stop()).
        self._store, self._logs = engine.stores_and_logs(self.settings)
        kind = fix.ThreadedSocketInitiator if connection_type == "initiator" else fix.ThreadedSocketAcceptor
        self._engine = kind(self.application, self._store, self.settings, self._logs)

    def start(self) -> None:
        self._engine.start()

    def stop(self) -> None:
        if self._engine is not None:  # freed now, so that its sessions leave quickfix's registry
            self._engine.stop()
            self._engine = None

    def wait_logged_on(self, timeout: float = 10.0) -> bool:
        return self.application.logged_on.wait(timeout)

    def send(self, msg: FixMessage) -> bool:
        return engine.send(msg, self.session_id, self.dictionary)

    def expect(self, predicate: Callable[[FixMessage], bool] = lambda m: True, timeout: float = 10.0) -> FixMessage:
        """The first received message matching ``predicate``; the others stay, in order, for later calls."""
        deadline = time.monotonic() + timeout
        while True:
            for index, msg in enumerate(self._seen):
                if predicate(msg):
                    return self._seen.pop(index)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no matching FIX message within {timeout}s; unmatched: {self._seen}")
            try:
                self._seen.append(self.application.received.get(timeout=remaining))
            except queue.Empty:
                continue

    def drain(self, seconds: float = 0.2) -> list[FixMessage]:
        """Everything received so far (waiting ``seconds`` for stragglers), emptied."""
        time.sleep(seconds)
        while True:
            try:
                self._seen.append(self.application.received.get_nowait())
            except queue.Empty:
                break
        seen, self._seen = self._seen, []
        return seen

    def sequence_numbers(self) -> tuple[int, int]:
        return engine.sequence_numbers(self.session_id)
