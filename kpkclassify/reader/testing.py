"""A local server that speaks the chat-completions protocol, for tests and benchmarks.

It answers with a function of the text (a simulated reader), and can be told to fail: HTTP
500, 429 with ``Retry-After``, 400, answers that are not JSON, slow answers (a client timeout), a
dropped connection, or a refusal of the JSON-schema ``response_format``. Nothing leaves the
machine: it listens on 127.0.0.1.

Examples
--------
>>> from kpkclassify.reader.testing import ProtocolServer
>>> with ProtocolServer(lambda text: {"labels": [], "reason": "-"}) as server:   # doctest: +SKIP
...     print(server.url)                                                        # doctest: +SKIP
http://127.0.0.1:40123/v1
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Fault:
    """What the server does instead of answering normally.

    kind : {"500", "429", "400", "garbage", "slow", "drop", "refuse_schema"}
        ``slow`` sleeps ``seconds`` and then answers normally (a client with a shorter timeout
        gives up first); ``429`` sends ``Retry-After: retry_after``.
    """

    kind: str
    seconds: float = 0.0
    retry_after: float = 0.0


Reader = Callable[[str], Any]
Faults = Callable[[int, str, dict], "Fault | None"]


class ProtocolServer:
    """``POST /v1/chat/completions`` on 127.0.0.1, in a background thread.

    Parameters
    ----------
    reader : callable
        ``reader(text)`` gives the answer: a dict (sent as its JSON) or a string (sent as it is).
    faults : callable, optional
        ``faults(call_number, text, body)`` (call numbers start at 1) gives a :class:`Fault`
        or None for a normal answer.
    schema : bool, default=True
        False: refuse every request with a ``json_schema`` response format (HTTP 400), as
        some servers do.

    Attributes
    ----------
    url : str
        The endpoint to pass to the client (``http://127.0.0.1:PORT/v1``).
    calls : int
    answered : Counter
        Valid answers sent, per text.
    bodies : list of dict
        The last requests' bodies (at most 50).
    authorization : str or None
        The last request's ``Authorization`` header.
    paths : list of str
        The last requests' paths, query string included (at most 50).
    """

    def __init__(self, reader: Reader, *, faults: Faults | None = None, schema: bool = True) -> None:
        self.reader, self.faults, self.schema = reader, faults, schema
        self.calls = 0
        self.answered: Counter[str] = Counter()
        self.bodies: list[dict] = []
        self.authorization: str | None = None
        self.paths: list[str] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes: no delayed-ACK stall

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                owner._handle(self)

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True, name="kpk-protocol-server")

    def start(self) -> ProtocolServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> ProtocolServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length)
        if handler.path.split("?")[0].rstrip("/") != "/v1/chat/completions":
            return _send(handler, 404, {"error": {"message": f"no route {handler.path}"}})
        try:
            body = json.loads(raw)
            text = next(m["content"] for m in body["messages"] if m.get("role") == "user")
        except (ValueError, KeyError, TypeError, StopIteration):
            return _send(handler, 400, {"error": {"message": "not a chat-completions request"}})
        with self._lock:
            self.calls += 1
            number = self.calls
            self.authorization = handler.headers.get("Authorization")
            self.paths = (self.paths + [handler.path])[-50:]
            self.bodies = (self.bodies + [body])[-50:]
        fault = self.faults(number, text, body) if self.faults else None
        if not self.schema and (body.get("response_format") or {}).get("type") == "json_schema":
            fault = Fault("refuse_schema")
        if fault is not None:
            if fault.kind == "500":
                return _send(handler, 500, {"error": {"message": "internal error"}})
            if fault.kind == "429":
                return _send(handler, 429, {"error": {"message": "rate limited"}},
                             {"Retry-After": f"{fault.retry_after:g}"})
            if fault.kind == "400":
                return _send(handler, 400, {"error": {"message": "context length exceeded"}})
            if fault.kind == "refuse_schema":
                return _send(handler, 400, {"error": {"message": "response_format json_schema is not supported"}})
            if fault.kind == "garbage":
                return _send(handler, 200, _completion(body, "Sure! Here is what I think: it is about fees."))
            if fault.kind == "drop":
                handler.close_connection = True
                handler.connection.close()
                return None
            if fault.kind == "slow":
                time.sleep(fault.seconds)
        answer = self.reader(text)
        content = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
        try:
            _send(handler, 200, _completion(body, content))
        except OSError:  # the client gave up (a timeout) before the answer came
            return None
        if fault is None or fault.kind != "slow":  # after a slow answer the client has usually given up
            with self._lock:
                self.answered[text] += 1


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # many clients connecting at once are queued, not refused


def _completion(body: dict, content: str) -> dict:
    return {"id": "chatcmpl-local", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", ""),
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}]}


def _send(handler: BaseHTTPRequestHandler, code: int, document: dict, headers: dict | None = None) -> None:
    data = json.dumps(document, ensure_ascii=False).encode("utf-8")
    handler.send_response(code)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)
    handler.wfile.flush()
