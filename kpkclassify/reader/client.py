"""An OpenAI-compatible chat-completions client for the second reader, on the standard library.

One request per text (``POST {endpoint}/chat/completions``). Transient failures (HTTP 408,
429 and 5xx, timeouts, dropped connections, answers that do not parse) are retried with
exponential backoff and jitter, honouring ``Retry-After``, until the per-text attempts or a
retry budget shared by the whole run are spent (a request re-sent on a new connection after
the server dropped a kept-alive one counts as an attempt and a retry too). A server that refuses
the JSON-schema ``response_format`` (an HTTP 400/422 naming ``response_format`` or
``json_schema``) is asked again without it, for the rest of the run. Any other HTTP error (a
wrong key, a wrong URL) stops the run: it would fail for every text; HTTP 400, 413 and 422 fail
only the text they answer (a text too long for the model, say), without a retry. An endpoint
whose first requests all fail to connect (nothing listening) stops the run too.
"""

from __future__ import annotations

import email.utils
import errno
import http.client
import ipaddress
import json
import random
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from kpkclassify.exceptions import InputError
from kpkclassify.reader.prompt import AnswerError, Prompt, parse_answer


class ReaderError(InputError):
    """The endpoint cannot serve this run at all (wrong URL, key or model name; not local)."""


class ReviewFailed(Exception):
    """One text's review failed for good (attempts or retry budget spent); the run goes on."""


@dataclass
class Answer:
    """A reader's answer to one text."""

    labels: tuple[str, ...]
    reason: str
    attempts: int = 1


class RetryBudget:
    """Retries the whole run may spend (thread-safe); ``None`` for no limit."""

    def __init__(self, total: int | None) -> None:
        self.total, self.used = total, 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Spend one retry; False when none is left."""
        with self._lock:
            if self.total is not None and self.used >= self.total:
                return False
            self.used += 1
            return True


class _Transient(Exception):
    def __init__(self, message: str, retry_after: float | None = None, *, at_once: bool = False) -> None:
        super().__init__(message)
        self.retry_after, self.at_once = retry_after, at_once


class _Dropped(Exception):
    """The server closed a kept-alive connection: the request goes again, on a new one, at once."""


class _SchemaRefused(Exception):
    pass


class _Refused(Exception):
    """The server refused this one request (HTTP 400, 413, 422: e.g. a text too long for the model)."""


#: Connection errors that mean nothing is listening there (or the host cannot be found).
_UNREACHABLE = (errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EADDRNOTAVAIL)


def _unreachable(exc: BaseException) -> bool:
    cause = getattr(exc, "reason", exc)
    return isinstance(cause, (ConnectionRefusedError, socket.gaierror)) or (
        isinstance(cause, OSError) and cause.errno in _UNREACHABLE)


def shown_url(url: str) -> str:
    """``url`` without its query string and fragment (``?api-key=...`` is a secret), for
    messages and the files a run writes."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def is_local_endpoint(url: str) -> bool:
    """Whether ``url``'s host is this machine or on a private network (loopback, RFC 1918,
    link-local, IPv6 unique-local): every address it resolves to must be one."""
    host = urllib.parse.urlsplit(url).hostname
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in socket.getaddrinfo(host, None)]
        except (OSError, UnicodeError, ValueError):
            return False
    return bool(addresses) and all(a.is_loopback or a.is_private or a.is_link_local for a in addresses)


def check_endpoint(endpoint: str, allow_remote: bool = False) -> str:
    """``endpoint`` without a trailing ``/``, refused unless local or ``allow_remote``.

    Raises
    ------
    ReaderError
        Not an http(s) URL, or a remote host without ``allow_remote``.
    """
    parts = urllib.parse.urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ReaderError(f"--endpoint {endpoint!r} is not an http:// or https:// URL (e.g. http://localhost:11434/v1)")
    if parts.username or parts.password:
        raise ReaderError("--endpoint must not hold a user name or password; put the API key in an environment "
                          "variable and name it with --api-key-env")
    if not allow_remote and not is_local_endpoint(endpoint):
        raise ReaderError(f"--endpoint {parts.hostname} is not on this machine or a private network: the texts "
                          "would leave it. Pass --allow-remote to send them there")
    return endpoint.rstrip("/")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _error_text(raw: bytes) -> str:
    """The message of an error response (OpenAI's ``{"error": {"message": ...}}``), or its first words."""
    try:
        document = json.loads(raw)
        message = document["error"]["message"] if isinstance(document.get("error"), dict) else document["error"]
        if isinstance(message, str):
            return " ".join(message.split())[:200]
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    return " ".join(raw[:400].decode("utf-8", "replace").split())[:200]


def completion_content(document: Any) -> object:
    """The message text of a chat-completion response body (None when there is none)."""
    try:
        message = document["choices"][0]["message"]
    except (KeyError, IndexError, TypeError):
        return None
    if not isinstance(message, dict):
        return None
    return message.get("content")


def request_body(prompt: Prompt, reader_model: str, text: str, *, json_schema: bool = True) -> dict:
    """The chat-completions request body for one text (also the ``body`` of a Batch API input line)."""
    body: dict[str, Any] = {"model": reader_model, "messages": prompt.messages(text), "temperature": 0}
    if json_schema:
        body["response_format"] = prompt.response_format()
    return body


class ReaderClient:
    """Asks one reader model about one text at a time (call :meth:`ask` from many threads).

    Parameters
    ----------
    endpoint : str
        The API base, e.g. ``http://localhost:11434/v1``; requests go to ``{endpoint}/chat/completions``.
    reader_model : str
        The ``model`` field of each request.
    prompt : Prompt
    api_key : str, optional
        Sent as ``Authorization: Bearer``.
    timeout : float, default=60
        Seconds for one request (connecting, and each read).
    attempts : int, default=6
        Tries per text.
    retry_budget : RetryBudget, optional
        Retries the whole run may spend; no limit by default.
    backoff : float, default=1
        The first retry waits up to this many seconds, each next one twice as long (with jitter).
    max_wait : float, default=60
        The longest wait before a retry, ``Retry-After`` included.
    json_schema : bool, default=True
        Ask for the answer's JSON schema (dropped if the server refuses it).
    unreachable_after : int, default=8
        When this many requests have failed to connect and none has had a response, the
        endpoint is taken to be down: :class:`ReaderError`.

    Call :meth:`close` (or use the client as a context manager) to close the connections the
    threads keep open.
    """

    def __init__(self, endpoint: str, reader_model: str, prompt: Prompt, *, api_key: str | None = None,
                 timeout: float = 60.0, attempts: int = 6, retry_budget: RetryBudget | None = None,
                 backoff: float = 1.0, max_wait: float = 60.0, json_schema: bool = True,
                 unreachable_after: int = 8) -> None:
        base = urllib.parse.urlsplit(endpoint)  # a query string (?api-version=...) stays after the path
        self.url = urllib.parse.urlunsplit(base._replace(path=base.path.rstrip("/") + "/chat/completions", fragment=""))
        self.shown_url = shown_url(self.url)
        self.unreachable_after = max(1, unreachable_after)
        self.responses = self.unreached = 0
        self._connections: set[http.client.HTTPConnection] = set()
        self.reader_model, self.prompt, self.api_key = reader_model, prompt, api_key
        self.timeout, self.attempts, self.backoff, self.max_wait = timeout, max(1, attempts), backoff, max_wait
        self.budget = retry_budget or RetryBudget(None)
        self.json_schema = json_schema
        self.stopped = threading.Event()
        self.calls = 0
        self._lock = threading.Lock()
        self._split = urllib.parse.urlsplit(self.url)
        self._path = self._split.path + (f"?{self._split.query}" if self._split.query else "")
        self._local = threading.local()
        # a local server is reached directly, never through a proxy from the environment
        proxies = urllib.request.getproxies()
        self._proxied = (not is_local_endpoint(endpoint) and self._split.scheme in proxies
                         and not urllib.request.proxy_bypass(self._split.hostname or ""))

    def close(self) -> None:
        """Close every kept-alive connection (of every thread)."""
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for connection in connections:
            connection.close()

    def __enter__(self) -> ReaderClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def body(self, text: str) -> dict:
        """The request body for ``text`` (:func:`request_body`)."""
        return request_body(self.prompt, self.reader_model, text, json_schema=self.json_schema)

    def ask(self, text: str) -> Answer:
        """The reader's labels for ``text``.

        Raises
        ------
        ReviewFailed
            Attempts or the retry budget spent, or the run was stopped.
        ReaderError
            An error no retry can mend (HTTP 401, 403, 404 ...).
        """
        attempt = 0
        while True:
            if self.stopped.is_set():
                raise ReviewFailed("stopped")
            attempt += 1
            retry_after, at_once = None, False
            try:
                labels, reason = parse_answer(self._post(text), self.prompt.labels)
                return Answer(labels, reason, attempt)
            except _SchemaRefused:
                with self._lock:
                    self.json_schema = False
                attempt -= 1
                continue
            except _Refused as exc:  # asking again would get the same answer
                raise ReviewFailed(str(exc)) from None
            except _Transient as exc:
                error, retry_after, at_once = str(exc), exc.retry_after, exc.at_once
            except AnswerError as exc:
                error = f"unparsable answer: {exc}"
            if attempt >= self.attempts:
                raise ReviewFailed(f"{error} (after {attempt} attempts)")
            if not self.budget.take():
                raise ReviewFailed(f"{error} (retry budget spent)")
            cap = min(self.max_wait, self.backoff * 2 ** (attempt - 1))
            delay = 0.0 if at_once else random.uniform(cap / 2, cap)
            if retry_after is not None:
                delay = max(delay, min(retry_after, self.max_wait))
            if self.stopped.wait(delay):
                raise ReviewFailed("stopped")

    def _post(self, text: str) -> object:
        schema = self.json_schema
        data = json.dumps(self.body(text), ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        with self._lock:
            self.calls += 1
        try:
            code, reason, reply_headers, raw = self._exchange(data, headers)
        except _Dropped:
            raise _Transient("the server closed the connection", at_once=True) from None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            cause = getattr(exc, "reason", exc)
            if _unreachable(exc):
                with self._lock:
                    self.unreached += 1
                    down = self.responses == 0 and self.unreached >= self.unreachable_after
                if down:
                    raise ReaderError(f"cannot reach {self.shown_url}: {type(cause).__name__}: {cause}; "
                                      "is the server running?") from None
            raise _Transient(f"{type(cause).__name__}: {cause}") from None
        with self._lock:
            self.responses += 1
        if code != 200:
            detail = _error_text(raw)
            # only a refusal naming the response format: "schema" alone may be about this one text
            if code in (400, 422) and schema and ("response_format" in detail.lower() or "json_schema" in detail.lower()):
                raise _SchemaRefused()
            if code in (408, 409, 425, 429) or code >= 500:
                raise _Transient(f"HTTP {code}", _retry_after(reply_headers.get("Retry-After")))
            if code in (400, 413, 422):
                raise _Refused(f"HTTP {code} {reason}: {detail}")
            hint = " (check the key in --api-key-env)" if code in (401, 403) else \
                " (check --endpoint and --reader-model)" if code == 404 else ""
            raise ReaderError(f"{self.shown_url}: HTTP {code} {reason}{hint}: {detail}")
        try:
            document = json.loads(raw)
        except ValueError:
            raise AnswerError(f"the response is not JSON: {raw[:80]!r}") from None
        return completion_content(document)

    def _exchange(self, data: bytes, headers: dict) -> tuple[int, str, Any, bytes]:
        """One request: status, reason, headers and body. Each thread keeps its connection
        open between requests (HTTP keep-alive), unless a proxy from the environment applies."""
        if self._proxied:
            request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return response.status, response.reason, response.headers, response.read()
            except urllib.error.HTTPError as exc:
                try:
                    return exc.code, str(exc.reason), exc.headers, exc.read()
                finally:
                    exc.close()
        connection = getattr(self._local, "connection", None)
        reused = connection is not None
        if connection is None:
            kind = http.client.HTTPSConnection if self._split.scheme == "https" else http.client.HTTPConnection
            connection = kind(self._split.hostname or "", self._split.port, timeout=self.timeout)
            self._local.connection = connection
            with self._lock:
                self._connections.add(connection)
        try:
            connection.request("POST", self._path, body=data, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self._forget(connection)
            if reused:  # the server closed a kept-alive connection: again on a new one (an attempt)
                raise _Dropped() from None
            raise
        except BaseException:
            self._forget(connection)
            raise
        if response.will_close:
            self._forget(connection)
        return response.status, response.reason, response.headers, raw

    def _forget(self, connection: http.client.HTTPConnection) -> None:
        connection.close()
        self._local.connection = None
        with self._lock:
            self._connections.discard(connection)
