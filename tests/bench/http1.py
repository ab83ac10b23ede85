"""A lean HTTP/1.1 client for the load generator: keep-alive connections on asyncio
protocols, responses parsed by httptools (the parser uvicorn itself uses).

Why not aiohttp: the generator shares the machine with the server it measures, and
aiohttp's client spent about a third of a core at 1,000 requests/s here, CPU the server
then lacked. A request here is one write of prepared bytes and one parse.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import httptools


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.open = True
        self._body = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        self._fail(exc or ConnectionResetError("the server closed the connection"))

    # httptools callbacks
    def on_body(self, body: bytes) -> None:
        self._body += body

    def on_message_complete(self) -> None:
        answer = (self.parser.get_status_code(), bytes(self._body))
        self._body.clear()
        if not self.parser.should_keep_alive():
            self.close()
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(answer)

    def _fail(self, exc: Exception) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)

    def close(self) -> None:
        self.open = False
        if self.transport is not None:
            self.transport.close()


class Client:
    """Requests over a pool of at most `limit` keep-alive connections to one server."""

    def __init__(self, base_url: str, limit: int = 1000, timeout: float = 10.0) -> None:
        url = urlsplit(base_url)
        self._host, self._port = url.hostname or "127.0.0.1", url.port or 80
        self._idle: list[_Connection] = []
        self._all: list[_Connection] = []
        self._slots = asyncio.Semaphore(limit)
        self._timeout = timeout

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: bytes = b""
    ) -> tuple[int, bytes]:
        """The status and body of the answer; raises on a timeout or a lost connection.
        `headers`: whole header lines, CRLF-terminated, sent as they are."""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self._host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        ).encode()
        head += headers + b"\r\n"
        async with self._slots:
            connection = await self._connection()
            assert connection.transport is not None
            connection.waiter = asyncio.get_running_loop().create_future()
            connection.transport.write(head + body)
            try:
                async with asyncio.timeout(self._timeout):
                    answer = await connection.waiter
            except BaseException:
                connection.close()  # an answer may still come: not on a reused connection
                raise
            if connection.open:
                self._idle.append(connection)
            return answer

    async def _connection(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if connection.open:
                return connection
        _, connection = await asyncio.get_running_loop().create_connection(
            _Connection, self._host, self._port
        )
        self._all.append(connection)
        return connection

    def close(self) -> None:
        for connection in self._all:
            connection.close()
