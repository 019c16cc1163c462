# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""A TCP relay on 127.0.0.1 in front of PostgreSQL that a test can break on purpose.

`Relay(host, port)` listens on a free loopback port and forwards every connection to
the server. A test then makes it:

- `silence()`: a black hole. Bytes still arrive and are acknowledged (the relay reads
  them), but nothing is passed on, either way, and new connections are accepted and
  never answered: what a partition or a stuck proxy looks like to the service.
- `slow(delay)`: every chunk, either way, is passed on `delay` seconds late.
- `cut()`: every open connection is closed (a server restart, as the pool sees it).
- `forward()`: relay normally again; connections that lived through a silence are cut
  (bytes were dropped, their protocol stream is gone), as a long partition would.
- `stop()` / `start()`: nobody listens on the port (a stopped server: refused), then
  the relay listens again on the same port.

It also counts the statements clients send (`statements`: a Counter of first words): a
Query message is one, an Execute message is one (its SQL from the Parse it binds).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import Counter
from urllib.parse import urlsplit, urlunsplit

#: PostgreSQL's SSLRequest and GSSENCRequest codes: answered "N" (no encryption on loopback).
_ENCRYPTION_REQUESTS = (80877103, 80877104)


class Relay:
    def __init__(self, host: str, port: int) -> None:
        self._upstream = (host, port)
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._mode = "forward"
        self._delay = 0.0
        self._counts: Counter[str] = Counter()
        self._listener: socket.socket | None = None
        self.port = 0
        self.start()

    # What the test asks for ----------------------------------------------------------

    def url(self, database_url: str) -> str:
        """`database_url` with its host and port replaced by the relay's."""
        parts = urlsplit(database_url)
        userinfo, _, _ = parts.netloc.rpartition("@")
        netloc = f"{userinfo}@127.0.0.1:{self.port}" if userinfo else f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    def silence(self) -> None:
        self._mode = "silent"

    def slow(self, delay: float) -> None:
        self._delay = delay
        self._mode = "slow"

    def forward(self) -> None:
        was_broken = self._mode != "forward"
        self._mode = "forward"
        if was_broken:
            self.cut()

    def cut(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def stop(self) -> None:
        if self._listener is not None:
            # shutdown() wakes the accept() blocked in the relay's thread (close() alone
            # would leave the port listening until it returns).
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        self.cut()

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    @property
    def statements(self) -> Counter[str]:
        return Counter(self._counts)

    def reset_counts(self) -> None:
        self._counts.clear()

    # The relay -----------------------------------------------------------------------

    def _keep(self, *sockets: socket.socket) -> None:
        with self._lock:
            self._sockets.update(sockets)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            self._keep(client)
            if self._mode == "silent":
                threading.Thread(target=_drain, args=(client,), daemon=True).start()
                continue
            try:
                upstream = socket.create_connection(self._upstream, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            self._keep(upstream)
            threading.Thread(target=self._client_side, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()

    def _pass(self, data: bytes, sink: socket.socket) -> None:
        if self._mode == "silent":
            return
        if self._mode == "slow":
            time.sleep(self._delay)
        sink.sendall(data)

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                self._pass(data, sink)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)

    def _client_side(self, client: socket.socket, upstream: socket.socket) -> None:
        """Client to server, message by message: counted, then passed on."""
        statements: dict[bytes, bytes] = {}
        portals: dict[bytes, bytes | None] = {}
        with contextlib.suppress(OSError, EOFError):
            while True:  # the startup phase: length-prefixed messages without a type byte
                head = _exact(client, 4)
                body = _exact(client, int.from_bytes(head, "big") - 4)
                if int.from_bytes(body[:4], "big") in _ENCRYPTION_REQUESTS:
                    client.sendall(b"N")
                    continue
                self._pass(head + body, upstream)
                break
            while True:
                kind = _exact(client, 1)
                head = _exact(client, 4)
                body = _exact(client, int.from_bytes(head, "big") - 4)
                fields = body.split(b"\0")
                if kind == b"Q":
                    self._count(fields[0])
                elif kind == b"P":
                    statements[fields[0]] = fields[1]
                elif kind == b"B":
                    portals[fields[0]] = statements.get(fields[1])
                elif kind == b"E":
                    self._count(portals.get(fields[0]))
                self._pass(kind + head + body, upstream)
        with contextlib.suppress(OSError):
            upstream.shutdown(socket.SHUT_RDWR)

    def _count(self, sql: bytes | None) -> None:
        words = (sql or b"?").decode(errors="replace").strip().rstrip(";").split(None, 1)
        with self._lock:
            self._counts[words[0].upper() if words else "PING"] += 1


def _exact(sock: socket.socket, size: int) -> bytes:
    chunks, missing = [], size
    while missing:
        chunk = sock.recv(missing)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def _drain(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while sock.recv(65536):
            pass
