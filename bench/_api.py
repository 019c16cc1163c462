"""The generated service's HTTP API, spoken with http.client over one keep-alive connection.

The bench seeds and reads through the API (and the `flask users` command), never
through the kernel's Python modules, so it keeps working while their paths move.
"""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass
from typing import Any

HOST = "127.0.0.1"
TIMEOUT = 30.0
LOGIN = "/api/v1/auth/login"
PROJECTS = "/api/v1/projects/"


class ApiError(RuntimeError):
    pass


@dataclass
class Token:
    value: str
    expires_at: float  # time.monotonic()


class Client:
    """One keep-alive connection to 127.0.0.1:port; JSON in, JSON out."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)

    def close(self) -> None:
        self.connection.close()

    def call(
        self, method: str, path: str, body: Any = None, token: Token | None = None
    ) -> tuple[int, Any]:
        headers = {"Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token is not None:
            headers["Authorization"] = f"Bearer {token.value}"
        self.connection.request(method, path, body=payload, headers=headers)
        response = self.connection.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None

    def expect(
        self, status: int, method: str, path: str, body: Any = None, token: Token | None = None
    ) -> Any:
        got, data = self.call(method, path, body, token)
        if got != status:
            raise ApiError(f"{method} {path} answered {got} (expected {status}): {data}")
        return data


def login(client: Client, email: str, password: str) -> Token:
    """POST /api/v1/auth/login; the access token and when it stops working."""
    started = time.monotonic()
    data = client.expect(200, "POST", LOGIN, {"email": email, "password": password})
    return Token(data["access_token"], started + float(data["expires_in"]))


def project_body(index: int) -> dict[str, Any]:
    """A plausible project: a name, a sentence or two of description, a priority."""
    return {
        "name": f"Project {index:04d}",
        "description": f"Seeded by the throughput bench: row {index} of the owner's projects, "
        "long enough to look like a real description.",
        "priority": 1 + index % 5,
    }


def seed_projects(client: Client, token: Token, count: int) -> list[int]:
    """Create `count` projects owned by the token's user; their ids."""
    return [
        int(client.expect(201, "POST", PROJECTS, project_body(i), token)["id"])
        for i in range(count)
    ]
