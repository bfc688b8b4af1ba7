"""A scripted stand-in for Flink's REST API, for tests without a cluster.

Responses are plain dicts shaped like Flink 2.0.2's (captured from the local cluster); a route
may hold a list, answered one item per call, the last repeating, so tests can script a job
going from INITIALIZING to RUNNING or a savepoint from IN_PROGRESS to COMPLETED.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from argus_flink.ops.rest import FlinkRest

JOB_ID = "aba88659d06def4e6c5b9e911fda3992"
SAVEPOINT = "file:/tmp/argus/savepoints/test-metrics/savepoint-aba886-6eef7db8eae0"


def overview(*jobs: tuple[str, str, str]) -> dict[str, Any]:
    return {"jobs": [{"jid": jid, "name": name, "state": state, "start-time": 1795309583892,
                      "end-time": -1, "tasks": {"total": 3, "running": 3}}
                     for jid, name, state in jobs]}


def checkpoint_entry(checkpoint_id: int, path: str, *, savepoint: bool = False) -> dict:
    return {"className": "completed", "id": checkpoint_id, "status": "COMPLETED",
            "is_savepoint": savepoint, "trigger_timestamp": 1795309626553,
            "latest_ack_timestamp": 1795309627050, "checkpointed_size": 137527,
            "state_size": 219183, "end_to_end_duration": 497, "external_path": path}


def checkpoints(completed: dict | None = None, savepoint: dict | None = None,
                restored: dict | None = None) -> dict[str, Any]:
    return {"counts": {"restored": int(restored is not None), "total": 4, "in_progress": 0,
                       "completed": 3, "failed": 1},
            "latest": {"completed": completed, "savepoint": savepoint, "failed": None,
                       "restored": restored},
            "history": []}


class FakeFlink:
    """Routes ``(method, path)`` to scripted JSON answers and records every request."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Any]] = {}
        self.calls: dict[tuple[str, str], int] = defaultdict(int)
        self.requests: list[tuple[str, str, Any]] = []

    def on(self, method: str, path: str, *answers: Any) -> FakeFlink:
        self.routes[(method, path)] = list(answers)
        return self

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        self.requests.append((method, path, json.loads(body) if body else None))
        answers = self.routes.get((method, path))
        if answers is None:
            return 404, {"errors": [f"Not found: {path}"]}
        index = min(self.calls[(method, path)], len(answers) - 1)
        self.calls[(method, path)] += 1
        answer = answers[index]
        return answer if isinstance(answer, tuple) else (200, answer)

    def handler(self, request: httpx.Request) -> httpx.Response:
        status, body = self.answer(request.method, request.url.path, request.content)
        return httpx.Response(status, json=body)

    def client(self) -> FlinkRest:
        return FlinkRest("http://flink.test", transport=httpx.MockTransport(self.handler))

    def serve(self) -> FakeFlinkServer:
        return FakeFlinkServer(self)


class FakeFlinkServer:
    """The same fake on a real loopback port, for code that builds its own HTTP client."""

    def __init__(self, fake: FakeFlink) -> None:
        owner = fake

        class Handler(BaseHTTPRequestHandler):
            def _reply(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                path = self.path.split("?", 1)[0]
                status, body = owner.answer(self.command, path, self.rfile.read(length))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = _reply

            def log_message(self, *args: object) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeFlinkServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
