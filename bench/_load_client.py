"""A bounded HTTP load client, for machines without wrk: threads, keep-alive, fixed time.

    python _load_client.py PORT CONNECTIONS SECONDS SPEC.json

SPEC.json holds {"paths": [...], "headers": {...}}: each thread keeps one keep-alive
connection to 127.0.0.1:PORT and requests the paths in turn until the time is up. It
prints one JSON line: requests, seconds, statuses, errors and latency percentiles.

It runs in a process of its own (the bench pins it to one CPU, as it pins wrk). Python
threads share one interpreter lock, so this client saturates long before wrk does: its
req/s are a lower bound, fine for comparing two apps in one run and nothing more.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
#: Seconds one request may take before it counts as an error (the loop stays bounded).
REQUEST_TIMEOUT = 10.0
#: Pause after a connection error, so a server that is down is not hammered in a loop.
ERROR_PAUSE = 0.05


class Worker(threading.Thread):
    """One connection's loop: request, read, record, until the deadline."""

    def __init__(self, port: int, spec: dict[str, Any], deadline: float, offset: int) -> None:
        super().__init__(daemon=True)
        self.port, self.deadline, self.offset = port, deadline, offset
        self.paths: list[str] = spec["paths"]
        self.headers: dict[str, str] = spec.get("headers", {})
        self.latencies_us: list[int] = []
        self.statuses: Counter[int] = Counter()
        self.errors = 0

    def run(self) -> None:
        connection: http.client.HTTPConnection | None = None
        index = self.offset
        while time.monotonic() < self.deadline:
            if connection is None:
                connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
            path = self.paths[index % len(self.paths)]
            index += 1
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=self.headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                self.errors += 1
                connection.close()
                connection = None
                time.sleep(ERROR_PAUSE)
                continue
            self.latencies_us.append(int((time.perf_counter() - started) * 1e6))
            self.statuses[response.status] += 1
        if connection is not None:
            connection.close()


def percentile(sorted_values: list[int], fraction: float) -> int:
    if not sorted_values:
        return 0
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def run(port: int, connections: int, seconds: float, spec: dict[str, Any]) -> dict[str, Any]:
    started = time.monotonic()
    deadline = started + seconds
    workers = [Worker(port, spec, deadline, offset=i * 97) for i in range(connections)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=seconds + REQUEST_TIMEOUT + 5)
    elapsed = time.monotonic() - started
    latencies = sorted(value for worker in workers for value in worker.latencies_us)
    statuses: Counter[int] = Counter()
    for worker in workers:
        statuses.update(worker.statuses)
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "non_2xx": sum(n for status, n in statuses.items() if not 200 <= status < 300),
        "errors": sum(worker.errors for worker in workers),
        "p50_us": percentile(latencies, 0.50),
        "p99_us": percentile(latencies, 0.99),
    }


def main(argv: list[str]) -> int:
    port, connections, seconds = int(argv[1]), int(argv[2]), float(argv[3])
    spec = json.loads(Path(argv[4]).read_text())
    print(json.dumps(run(port, connections, seconds, spec)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
