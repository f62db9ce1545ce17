"""HTTP exchanges with a SPARQL server: credentials, retries, and one bounded wait.

Every exchange, its retries and back-off included, ends within the timeout the
caller gave: the request runs on a worker thread that the caller stops waiting
for at the deadline, so neither a server that accepts a connection and never
answers, nor a slow DNS lookup, nor a trickle of bytes can hold a command
longer. Only failures that may pass are retried: a connection refused or
reset, and the gateway answers 502, 503 and 504. A 4xx answer, a 500 (a
server's error in the query, such as Virtuoso's SPARQL compiler errors) and a
timeout are reported at once, quoting the server's own message.
"""

from __future__ import annotations

import html
import os
import re
import threading
import time
import types
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from kgtool.errors import RemoteError

if TYPE_CHECKING:
    import requests

TOKEN_ENV = "KGTOOL_ENDPOINT_TOKEN"
USER_ENV = "KGTOOL_ENDPOINT_USER"
PASSWORD_ENV = "KGTOOL_ENDPOINT_PASSWORD"
TIMEOUT_ENV = "KGTOOL_ENDPOINT_TIMEOUT"

#: seconds an exchange with a server may take in total, retries included
DEFAULT_TIMEOUT = 30.0
#: answers that say "try again later": the only statuses retried
TRANSIENT_STATUSES = frozenset({502, 503, 504})


def default_timeout() -> float:
    """The timeout from ``KGTOOL_ENDPOINT_TIMEOUT``, else :data:`DEFAULT_TIMEOUT`."""
    raw = os.environ.get(TIMEOUT_ENV)
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise RemoteError(
            f"{TIMEOUT_ENV}={raw!r} is not a number of seconds",
            hint="set it to a positive number, e.g. 60",
        )
    return value


def short(text: str, limit: int = 300) -> str:
    """A server's error page reduced to one readable line."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S | re.I)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def server_message(text: str) -> str:
    """A server's error text without the copy of the query some servers append.

    Virtuoso answers ``Virtuoso 42000 Error SQ186: … SPARQL query: <the whole
    query>``: the user needs the first part, and has the query.
    """
    head, marker, _ = text.partition("SPARQL query:")
    return head if marker and head.strip() else text


def redact(url: str) -> str:
    """A URL without any user:password part, for messages."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return url


def _credentials() -> Any:
    """The requests auth object the environment asks for, or None."""
    import requests.auth

    class BasicThenDigest(requests.auth.HTTPDigestAuth):
        """HTTP basic, switching to digest once the server challenges for it.

        Virtuoso's authenticated endpoints take digest only; most others take
        basic. The challenge is remembered for the whole session (not per
        thread, as requests does), so each request after the first is sent
        with a digest answer at once, and an upload is not sent twice.
        """

        def __init__(self, username: str, password: str) -> None:
            super().__init__(username, password)
            self._thread_local = types.SimpleNamespace()  # type: ignore[assignment]

        def __call__(self, r: Any) -> Any:
            self.init_per_thread_state()
            if not self._thread_local.chal:
                r = requests.auth.HTTPBasicAuth(self.username, self.password)(r)
                r.register_hook("response", self.ask_for_challenge)  # before digest's hook
            return super().__call__(r)

        def ask_for_challenge(self, r: Any, **kwargs: Any) -> Any:
            """A 401 to basic credentials without a challenge (Virtuoso): ask again bare.

            The answer to the bare request carries the server's challenge, which
            the digest hook that runs next then answers.
            """
            if r.status_code != 401 or r.headers.get("www-authenticate"):
                return r
            _ = r.content
            r.close()
            bare = r.request.copy()
            bare.headers.pop("Authorization", None)
            if self._thread_local.pos is not None:
                r.request.body.seek(self._thread_local.pos)
            again = r.connection.send(bare, **kwargs)
            again.history.append(r)
            again.request = bare
            return again

    user = os.environ.get(USER_ENV)
    if user:
        return BasicThenDigest(user, os.environ.get(PASSWORD_ENV, ""))
    return None


#: response headers an answer may have: Virtuoso repeats each graph of the dataset a
#: query names as a header of its answer (``X-SPARQL-default-graph``, ``-named-graph``),
#: two per kgtool graph, past the 100 that Python's http.client accepts by default
MAX_HEADERS = 1_000_000


def new_session() -> requests.Session:
    """A session with kgtool's User-Agent and the credentials of the environment."""
    import http.client

    import requests

    http.client._MAXHEADERS = max(MAX_HEADERS, getattr(http.client, "_MAXHEADERS", 0))  # type: ignore[attr-defined]
    session = requests.Session()
    session.headers["User-Agent"] = "kgtool"
    token = os.environ.get(TOKEN_ENV)
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    else:
        session.auth = _credentials()
    return session


class _Attempt(threading.Thread):
    """One request on a daemon thread, so that the caller can stop waiting for it."""

    def __init__(self, session: requests.Session, method: str, url: str, **kwargs: Any) -> None:
        super().__init__(daemon=True, name="kgtool-http")
        self.call = (session, method, url, kwargs)
        self.response: requests.Response | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        session, method, url, kwargs = self.call
        try:
            response = session.request(method, url, **kwargs)
            _ = response.content  # the whole body, within the same bound
            self.response = response
        except BaseException as error:  # handed to the waiting thread
            self.error = error


def within(seconds: float, call: Any, what: str) -> Any:
    """``call()`` on a daemon thread, or a RemoteError once ``seconds`` have passed.

    For waits kgtool cannot bound otherwise: pyoxigraph's SPARQL ``SERVICE``
    client has no timeout of its own, and releases the interpreter while it
    waits, so the caller can stop waiting. The abandoned thread ends with the
    process.
    """
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = call()
        except BaseException as error:  # handed to the waiting thread, without the
            box["error"] = error.with_traceback(None)  # frames: pyoxigraph objects must
            # be dropped on the thread that made them

    worker = threading.Thread(target=work, daemon=True, name="kgtool-bounded")
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise RemoteError(
            f"{what} did not answer within {seconds:g} s",
            hint=f"the remote service may be down; raise the timeout with {TIMEOUT_ENV}",
        )
    if "error" in box:
        raise box["error"]
    return box["value"]


def _is_timeout(error: BaseException) -> bool:
    import requests

    if isinstance(error, requests.exceptions.Timeout):
        return True
    return "timed out" in str(error).lower() or "timeout" in type(error).__name__.lower()


def request(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: float,
    retries: int = 3,
    backoff: float = 0.5,
    **kwargs: Any,
) -> requests.Response:
    """One exchange, retried on transient failures, over in ``timeout`` seconds in total."""
    import requests

    shown = redact(url)
    deadline = time.monotonic() + timeout
    late = RemoteError(
        f"{shown} did not answer within {timeout:g} s",
        hint="the server may be overloaded or the query too expensive; "
        f"raise the timeout (--timeout or {TIMEOUT_ENV})",
    )
    attempt = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise late
        worker = _Attempt(session, method, url, timeout=remaining, **kwargs)
        worker.start()
        worker.join(remaining)
        if worker.is_alive():
            raise late
        error, response = worker.error, worker.response
        if error is not None:
            if _is_timeout(error):
                raise late from None
            if not isinstance(error, requests.exceptions.ConnectionError):
                if isinstance(error, requests.exceptions.RequestException):
                    raise RemoteError(f"{method} {shown} failed: {short(str(error))}") from None
                raise error
            problem = f"cannot reach {shown}: {_connection_reason(error)}"
            hint = "is the server running? check --endpoint"
        else:
            assert response is not None
            if response.status_code < 400:
                return response
            problem = (
                f"{shown} answered {response.status_code} {response.reason}: "
                f"{short(server_message(response.text)) or 'no message'}"
            )
            if response.status_code not in TRANSIENT_STATUSES:
                raise RemoteError(problem, hint=_hint_for(response.status_code))
            hint = "the server is unavailable; try again later"
        pause = backoff * (2**attempt)
        if attempt >= retries or time.monotonic() + pause >= deadline:
            suffix = f" (after {attempt + 1} attempts)" if attempt else ""
            raise RemoteError(problem + suffix, hint=hint)
        time.sleep(pause)
        attempt += 1


def _connection_reason(error: BaseException) -> str:
    text = str(error)
    for marker, reason in (
        ("Connection refused", "connection refused"),
        ("Name or service not known", "unknown host"),
        ("nodename nor servname", "unknown host"),
        ("RemoteDisconnected", "the server closed the connection"),
        ("Connection reset", "the connection was reset"),
        ("Broken pipe", "the server closed the connection"),
        ("Connection aborted", "the connection was aborted"),
    ):
        if marker in text:
            return reason
    return short(text, 120)


def _hint_for(status: int) -> str | None:
    if status in {401, 403}:
        return f"set {TOKEN_ENV}, or {USER_ENV} and {PASSWORD_ENV}"
    if status == 404:
        return "check the endpoint URL (Oxigraph: /query, Fuseki: /DATASET/sparql)"
    if status == 500:
        return "the server could not run the request; its message says why"
    return None
