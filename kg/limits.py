"""The endpoint's limits, and the two mechanisms that enforce the ones HTTP and Python do not:
a deadline for a client to send its request, and a cap on a query worker's memory."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass
class Limits:
    timeout: float = 10.0  # seconds per query
    max_results: int = 10_000  # rows (or triples) per response
    max_request_bytes: int = 1_000_000  # request body
    max_query_bytes: int = 100_000  # query text
    client_timeout: float = 5.0  # seconds for a client to send its request line, headers and body
    max_memory: int = 1024  # MB a query worker may grow by (its address space over what the dataset takes)


def cap_memory(extra: int) -> None:
    """Cap this process's address space at its present size plus `extra` bytes (RLIMIT_AS), so a
    query that grows without bound fails here instead of swapping the host. Linux only (other
    systems ignore RLIMIT_AS or lack /proc); 0 means no cap."""
    if extra <= 0:
        return
    try:
        import os
        import resource

        with open("/proc/self/statm") as f:
            size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = size + extra if hard == resource.RLIM_INFINITY else min(size + extra, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):
        return


class Deadlines:
    """Connections that must finish sending their request by a deadline; one thread shuts the
    late ones down. A per-read timeout alone lets a client that sends a byte every few seconds
    hold its thread forever (slowloris)."""

    def __init__(self, tick: float = 0.25):
        self.lock = threading.Lock()
        self.due: dict = {}
        self.stopped = threading.Event()
        threading.Thread(target=self._run, args=(tick,), daemon=True).start()

    def watch(self, connection, seconds: float) -> None:
        with self.lock:
            self.due[connection] = time.monotonic() + seconds

    def forget(self, connection) -> None:
        with self.lock:
            self.due.pop(connection, None)

    def stop(self) -> None:
        self.stopped.set()

    def _run(self, tick: float) -> None:
        import socket

        while not self.stopped.wait(tick):
            now = time.monotonic()
            with self.lock:
                late = [c for c, due in self.due.items() if due < now]
                for c in late:
                    del self.due[c]
            for c in late:
                try:
                    c.shutdown(socket.SHUT_RDWR)  # the handler's blocked read returns; its thread ends
                except OSError:
                    pass

