"""CPython's asyncio as a contender of benches/service.rs (issue 14): the same TLS server and
load generator, written the way a Python service writes them (ssl.create_default_context,
asyncio.start_server / open_connection, StreamReader / StreamWriter).

    python3.13 service_asyncio.py server DIR REQUEST RESPONSE BULK CHUNK
        listens on three ports of 127.0.0.1 (handshakes, requests, bulk), prints them on one
        line, and serves until its standard input closes. DIR holds cert.pem and key.pem.
    python3.13 service_asyncio.py client SECTION PORT SECONDS DIR CONCURRENCY REQUEST RESPONSE BULK CHUNK
        runs one measurement against such a server (SECTION: hs, req or bulk; DIR holds
        ca.pem) and prints its rate (per second, or MiB/s for bulk).

What each section does is what the Rust side's `serve` and load generator do; read them there.
"""

import asyncio
import os
import ssl
import sys
import time


async def serve_handshake(reader, writer):
    b = await reader.readexactly(1)
    writer.write(b)
    await writer.drain()
    await reader.read(1)  # until the client closes


async def serve_requests(reader, writer, request, response):
    payload = b"\x07" * response
    while True:
        try:
            await reader.readexactly(request)
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            return
        writer.write(payload)
        await writer.drain()


async def serve_bulk(reader, writer, total, chunk):
    payload = b"\x07" * chunk
    for _ in range(total // chunk):
        writer.write(payload)
        await writer.drain()
    await reader.read(1)


def closing(handler):
    async def run(reader, writer):
        try:
            await handler(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, ssl.SSLError):
                pass

    return run


async def server(directory, request, response, total, chunk):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem"))
    handlers = [
        serve_handshake,
        lambda r, w: serve_requests(r, w, request, response),
        lambda r, w: serve_bulk(r, w, total, chunk),
    ]
    servers = [
        await asyncio.start_server(closing(h), "127.0.0.1", 0, ssl=ctx, backlog=4096)
        for h in handlers
    ]
    print(" ".join(str(s.sockets[0].getsockname()[1]) for s in servers), flush=True)
    loop = asyncio.get_running_loop()
    stdin_closed = loop.create_future()

    def on_stdin():
        if not os.read(sys.stdin.fileno(), 4096) and not stdin_closed.done():
            stdin_closed.set_result(None)

    loop.add_reader(sys.stdin.fileno(), on_stdin)
    await stdin_closed


async def connect(ctx, port):
    return await asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="localhost")


async def close(writer):
    writer.close()
    await writer.wait_closed()


async def handshakes(ctx, port, deadline):
    done = 0
    while time.monotonic() < deadline:
        reader, writer = await connect(ctx, port)
        writer.write(b"\x01")
        await reader.readexactly(1)
        await close(writer)
        done += 1
    return done


async def requests(conn, deadline, request, response):
    reader, writer = conn
    payload = b"\x01" * request
    done = 0
    while time.monotonic() < deadline:
        writer.write(payload)
        await reader.readexactly(response)
        done += 1
    return done


async def client(section, port, seconds, directory, concurrency, request, response, total, chunk):
    ctx = ssl.create_default_context(cafile=os.path.join(directory, "ca.pem"))
    if section == "hs":
        start = time.monotonic()
        counts = await asyncio.gather(
            *(handshakes(ctx, port, start + seconds) for _ in range(concurrency))
        )
        return sum(counts) / (time.monotonic() - start)
    if section == "req":
        conns = [await connect(ctx, port) for _ in range(concurrency)]
        start = time.monotonic()
        counts = await asyncio.gather(
            *(requests(c, start + seconds, request, response) for c in conns)
        )
        rate = sum(counts) / (time.monotonic() - start)
        for _, writer in conns:
            await close(writer)
        return rate
    if section == "bulk":
        reader, writer = await connect(ctx, port)
        start = time.monotonic()
        got = 0
        while got < total:
            data = await reader.read(chunk)
            if not data:
                raise EOFError("the server ended the stream early")
            got += len(data)
        rate = (total >> 20) / (time.monotonic() - start)
        await close(writer)
        return rate
    raise SystemExit(f"unknown section {section!r}")


def main():
    if sys.argv[1] == "server":
        asyncio.run(server(sys.argv[2], *(int(a) for a in sys.argv[3:7])))
    else:
        section, port, seconds, directory = sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
        numbers = [int(a) for a in sys.argv[6:11]]
        print(asyncio.run(client(section, port, seconds, directory, *numbers)), flush=True)


if __name__ == "__main__":
    main()
