"""Misbehaving TLS peers for pyssl's hostile-input tests (tests/hostile.rs and
cli/tests/hostile.rs), and CPython as the side under test against them.

Modes (argv[1]):
  peer-server KIND CERTDIR          listen on 127.0.0.1:0, print the port, serve one connection
  peer-client KIND PORT CERTDIR     connect to PORT and misbehave
  cpython ROLE KIND CERTDIR         run the peer in a thread and CPython as ROLE ("client",
                                    "default-client" for create_default_context, or "server")
                                    against it; print the outcome and the context's state
CERTDIR holds ca.pem and server.pem (certificate and key for "localhost").
Every close by a peer is a half-close followed by draining (or a plain close when nothing is
left unread), so the side under test sees what the peer sent, never a timing-dependent reset.
"""
import json, random, re, socket, ssl, sys, threading
MB = 1 << 20
TIMEOUT = 20

def err(e):
    return describe(e)  # oracle/describe.py, which the tests put first

def garbage(n, seed=1):
    return random.Random(seed).randbytes(n)

def recv_record(sock):
    head = b""
    while len(head) < 5:
        chunk = sock.recv(5 - len(head))
        if not chunk:
            return head
        head += chunk
    body = b""
    n = int.from_bytes(head[3:5], "big")
    while len(body) < n:
        chunk = sock.recv(n - len(body))
        if not chunk:
            break
        body += chunk
    return head + body

def server_ctx(certdir, tls12=False):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certdir + "/server.pem")
    if tls12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    return ctx

def client_ctx(certdir, default=False):
    if default:
        return ssl.create_default_context(cafile=certdir + "/ca.pem")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(certdir + "/ca.pem")
    return ctx

def server_flight(certdir, hello, tls12):
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = server_ctx(certdir, tls12).wrap_bio(inc, out, server_side=True)
    inc.write(hello)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()

def client_hello(certdir):
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = client_ctx(certdir).wrap_bio(inc, out, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()

def sendall(sock, data):
    try:
        sock.sendall(data)
    except OSError:
        pass

def drain_close(sock):
    try:
        sock.shutdown(socket.SHUT_WR)
        while sock.recv(65536):
            pass
    except OSError:
        pass
    sock.close()

def peer_server(kind, conn, certdir):
    conn.settimeout(TIMEOUT)
    try:
        if kind.endswith("after_handshake"):
            s = server_ctx(certdir).wrap_socket(conn, server_side=True)
            data = {"garbage_after_handshake": garbage(1024),
                    "bad_mac_after_handshake": b"\x17\x03\x03\x00\x40" + garbage(64),
                    "1mb_after_handshake": garbage(MB)}[kind]
            socket.socket.sendall(s, data)
            drain_close(s)
            return
        hello = recv_record(conn)
        # Closing is a half-close (FIN) followed by draining, so the side under test sees end
        # of file, never a reset that would depend on timing.
        if kind == "close_mid_flight":
            flight = server_flight(certdir, hello, False)
            sendall(conn, flight[:len(flight) // 2])
            drain_close(conn)
        elif kind == "close_after_flight_tls12":
            sendall(conn, server_flight(certdir, hello, True))
            drain_close(conn)
        elif kind == "garbage_1mb":
            sendall(conn, garbage(MB))
            drain_close(conn)
        elif kind == "record_header_then_1mb":
            sendall(conn, b"\x16\x03\x03\xff\xff" + garbage(MB))
            drain_close(conn)
        elif kind == "1mb_of_full_records":
            rec = b"\x16\x03\x03\x40\x00" + garbage(16384, 2)
            sendall(conn, rec * 64)
            drain_close(conn)
        else:
            raise ValueError(kind)
    except OSError:
        conn.close()

def peer_client(kind, port, certdir):
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    try:
        if kind == "close_mid_hello":
            hello = client_hello(certdir)
            sendall(sock, hello[:len(hello) // 2])
            sock.close()
        elif kind == "garbage_1mb":
            sendall(sock, garbage(MB))
            drain_close(sock)
        elif kind == "1mb_after_handshake":
            s = client_ctx(certdir).wrap_socket(sock, server_hostname="localhost")
            socket.socket.sendall(s, garbage(MB))
            drain_close(s)
        else:
            raise ValueError(kind)
    except OSError:
        sock.close()

def state(ctx):
    return {"session_stats": ctx.session_stats(), "cert_store_stats": ctx.cert_store_stats(),
            "options": int(ctx.options), "verify_mode": int(ctx.verify_mode)}

def under_test(role, kind, certdir):
    if role in ("client", "default-client"):
        listener = socket.create_server(("127.0.0.1", 0))
        t = threading.Thread(target=lambda: peer_server(kind, listener.accept()[0], certdir))
        t.start()
        ctx = client_ctx(certdir, role == "default-client")
        sock = socket.create_connection(listener.getsockname(), timeout=TIMEOUT)
        out = {}
        try:
            s = ctx.wrap_socket(sock, server_hostname="localhost")
        except Exception as e:
            out["handshake"] = err(e)
            sock.close()
        else:
            out["handshake"] = None
            out["version"] = s.version()
            data = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                out["read"] = len(data)
            except Exception as e:
                out["read"] = err(e)
            s.close()
        t.join()
    else:
        ctx = server_ctx(certdir)
        listener = socket.create_server(("127.0.0.1", 0))
        t = threading.Thread(target=peer_client, args=(kind, listener.getsockname()[1], certdir))
        t.start()
        conn, _ = listener.accept()
        conn.settimeout(TIMEOUT)
        out = {}
        try:
            s = ctx.wrap_socket(conn, server_side=True)
        except Exception as e:
            out["handshake"] = err(e)
        else:
            out["handshake"] = None
            out["version"] = s.version()
            try:
                data = b""
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                out["read"] = len(data)
            except Exception as e:
                out["read"] = err(e)
            s.close()
        t.join()
    out["state"] = state(ctx)
    return out

mode = sys.argv[1]
if mode == "peer-server":
    listener = socket.create_server(("127.0.0.1", 0))
    print(listener.getsockname()[1], flush=True)
    peer_server(sys.argv[2], listener.accept()[0], sys.argv[3])
elif mode == "peer-client":
    peer_client(sys.argv[2], int(sys.argv[3]), sys.argv[4])
else:
    print(json.dumps(under_test(sys.argv[2], sys.argv[3], sys.argv[4])))
