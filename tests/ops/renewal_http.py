"""A minimal HTTP/1.1 client over asyncio streams for the load test
(tests/ops/renewal_load.py): keep-alive connections over TLS, POST only,
Content-Length or chunked answers. httpx (in the venv) cost 5–9 ms of the
generator's CPU per request on this machine, which at several hundred
requests a second would take a core from the server under test; this costs
well under a millisecond.
"""

import asyncio
import ssl
from urllib.parse import urlsplit


class Answer:
    __slots__ = ("status", "headers", "body")

    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body


class Pool:
    """Connections to one https:// origin; a request takes an idle
    connection or opens a new one (at most `size`, then it waits)."""

    def __init__(self, url, cafile=None, size=100):
        u = urlsplit(url)
        self.host, self.port = u.hostname, u.port or (443 if u.scheme == "https" else 80)
        self.prefix = u.path.rstrip("/")
        self.ssl = None
        if u.scheme == "https":
            self.ssl = ssl.create_default_context(cafile=cafile)
        self.idle = []
        self.open = 0
        self.size = size
        self.freed = asyncio.Condition()

    async def _connection(self):
        while True:
            if self.idle:
                return self.idle.pop(), True
            if self.open < self.size:
                self.open += 1
                try:
                    return await asyncio.open_connection(self.host, self.port, ssl=self.ssl), False
                except BaseException:
                    self.open -= 1
                    raise
            async with self.freed:
                await self.freed.wait()

    async def _release(self, conn, keep):
        if keep:
            self.idle.append(conn)
        else:
            self.open -= 1
            conn[1].close()
        async with self.freed:
            self.freed.notify()

    async def post(self, path, body, headers):
        head = [f"POST {self.prefix}{path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        request = ("\r\n".join(head) + "\r\n\r\n").encode() + body
        for attempt in (1, 2):
            conn, reused = await self._connection()
            reader, writer = conn
            got_status = False
            try:
                writer.write(request)
                line = await reader.readline()
                if not line:
                    raise ConnectionResetError("closed before the answer")
                got_status = True
                status = int(line.split(b" ", 2)[1])
                headers_in = {}
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b"\n", b""):
                        break
                    k, _, v = line.decode("latin-1").partition(":")
                    headers_in[k.strip().lower()] = v.strip()
                if "content-length" in headers_in:
                    data = await reader.readexactly(int(headers_in["content-length"]))
                elif headers_in.get("transfer-encoding", "").lower() == "chunked":
                    parts = []
                    while True:
                        n = int((await reader.readline()).split(b";")[0], 16)
                        if n == 0:
                            await reader.readline()
                            break
                        parts.append(await reader.readexactly(n))
                        await reader.readline()
                    data = b"".join(parts)
                else:
                    data = b""
                keep = headers_in.get("connection", "").lower() != "close"
                await self._release(conn, keep)
                return Answer(status, headers_in, data)
            except asyncio.CancelledError:
                await self._release(conn, False)
                raise
            except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, OSError):
                await self._release(conn, False)
                # a kept-alive connection the server had closed: once more on a new one
                if reused and not got_status and attempt == 1:
                    continue
                raise

    async def close(self):
        for _, writer in self.idle:
            writer.close()
        self.idle = []
