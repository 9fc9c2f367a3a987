"""Concurrency tests' one tool: start n clients at the same instant, each in its own DB connection."""

import threading

from django.db import connection

from oms.core.errors import DomainError


def race(n_clients: int, run) -> list:
    """Call run(i) in n threads released together; each result is run's value, the DomainError's
    code, or "error: ..." for anything else (which a test then reports)."""
    barrier = threading.Barrier(n_clients)
    results: list = [None] * n_clients

    def client(i):
        try:
            barrier.wait()
            results[i] = run(i)
        except DomainError as exc:
            results[i] = exc.code
        except Exception as exc:  # noqa: BLE001 - the test reports any other failure
            results[i] = f"error: {exc!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n_clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
