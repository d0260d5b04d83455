"""The CPython side of pyssl's differential handshake suite (tests/handshake/).

Every scenario is a real TLS connection over 127.0.0.1 between the side under test ("me",
CPython here, pyssl in the Rust test) and a peer (always CPython's ssl, or a raw TCP peer).
Both sides are described by the same JSON, which the Rust side interprets through pyssl.

Modes (argv[1]); input is one JSON line on stdin:
  client-role   {"scenarios": [...]}: CPython client against a peer server started here;
                prints [{"me": outcome, "peer": [observations]}, ...]
  server-role   {"scenarios": [...]}: CPython server against a peer client started here;
                prints [{"me": outcome, "peer": observation}, ...]
  peer-servers  {"scenarios": [...]}: start one peer server per scenario, print
                {"ports": [...]}, wait for a second line on stdin, print [[observations]...]
  peer-clients  {"scenarios": [...], "ports": [...]}: run the peer client of each scenario
                against the given port; prints [observation, ...]
  servers       {"scenarios": [...]}: serve each scenario's "me" on a new port, print
                {"ports": [...]}, and once every connection was served print [me, ...]
                (for peers outside Python, such as `openssl s_client`)

Options of the side under test beyond the context's ("me"):
  timeout       the socket timeout (default 10 s), a Rust transport's read/write timeout
  flow          client: "probe" (one recv that must time out, then ping, then read to EOF),
                "sendfile" (two sendfile() calls of a 20480-byte file), "after_abort" (see
                the peer option "abort"),
                "flood" (send 64 MiB to a peer that never reads) or "http_get" (ask an
                `openssl s_server -WWW` for greeting.txt, read to EOF); server: "probe" (one
                recv that must time out before the greeting)
  bio           run the connection through wrap_bio/SSLObject over the socket
  keylog        a path prefix: keylog_filename = prefix + ".py" (".rs" on the pyssl side);
                the observation summarises the file and checks its lines against the peer's
  resume_mode   what the second connection of a resumption scenario does with the session:
                "other_context", "after_handshake", "server_wrap"; "server_set" sets it on a
                server connection after its handshake
Peer options: "hold" (a server that reads before greeting), "stall" (a server that neither
reads nor writes until the side under test is done), "abort" ("close" or "reset": a server
that reads one byte, then closes without close_notify, for the client flow "after_abort":
send, send, recv, recv, recv, send), raw "silent" (never sends a byte),
"keylog_path" (an exact key log file).
"""
import json
import re
import socket
import ssl
import struct
import sys
import threading
import warnings

warnings.simplefilter("ignore")
FLOOD = 64 * 1024 * 1024
RELEASE = {}  # peer server port -> threading.Event set when the side under test is done
GREETING = b"hello from server\n"
TIMEOUT = 10


def to_json(v):
    if isinstance(v, (bytes, bytearray)):
        return {"bytes": bytes(v).hex()}
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return int(v)
    if isinstance(v, (tuple, list)):
        return [to_json(x) for x in v]
    if isinstance(v, dict):
        return {str(k): to_json(x) for k, x in v.items()}
    return "repr:" + repr(v)


def err(e):
    return describe(e)  # oracle/describe.py, which the tests put first


def hostname_arg(h):
    if isinstance(h, dict):
        return bytes.fromhex(h["bytes"])
    return h


def make_ctx(cfg, server, sni_seen=None):
    purpose = cfg.get("purpose", "client_auth" if server else "server_auth")
    ctx = ssl.create_default_context(
        ssl.Purpose.CLIENT_AUTH if purpose == "client_auth" else ssl.Purpose.SERVER_AUTH,
        cafile=cfg.get("cafile"),
    )
    if "check_hostname" in cfg:
        ctx.check_hostname = cfg["check_hostname"]
    if "verify_mode" in cfg:
        ctx.verify_mode = ssl.VerifyMode(cfg["verify_mode"])
    if "verify_flags_clear" in cfg:
        ctx.verify_flags &= ~cfg["verify_flags_clear"]
    if "verify_flags_set" in cfg:
        ctx.verify_flags |= cfg["verify_flags_set"]
    if "hostname_checks_common_name" in cfg:
        ctx.hostname_checks_common_name = cfg["hostname_checks_common_name"]
    if "min_version" in cfg:
        ctx.minimum_version = ssl.TLSVersion[cfg["min_version"]]
    if "max_version" in cfg:
        ctx.maximum_version = ssl.TLSVersion[cfg["max_version"]]
    if "ciphers" in cfg:
        ctx.set_ciphers(cfg["ciphers"])
    if "cert" in cfg:
        ctx.load_cert_chain(cfg["cert"], cfg.get("key"))
    if "alpn" in cfg:
        ctx.set_alpn_protocols(cfg["alpn"])
    if cfg.get("pha"):
        ctx.post_handshake_auth = True
    if "ecdh_curve" in cfg:
        ctx.set_ecdh_curve(cfg["ecdh_curve"])
    # 3.15's list setters (AttributeError before 3.15)
    for key in ("groups", "ciphersuites", "client_sigalgs", "server_sigalgs"):
        if key in cfg:
            getattr(ctx, "set_" + key)(cfg[key])
    if cfg.get("no_ticket"):
        ctx.options |= ssl.OP_NO_TICKET
    if "keylog" in cfg:
        ctx.keylog_filename = cfg["keylog"] + ".py"
    if "keylog_path" in cfg:
        ctx.keylog_filename = cfg["keylog_path"]
    sni = cfg.get("sni")
    if sni is not None:
        other = None
        if sni["mode"] == "switch":
            other = make_ctx({"cert": sni["cert"], "key": sni.get("key")}, True)

        def callback(sslobj, name, c):
            sni_seen.append(name)
            if sni["mode"] == "alert":
                return sni["alert"]
            if sni["mode"] == "switch":
                sslobj.context = other
            if sni["mode"] == "raise":
                raise ZeroDivisionError("sni")
            return None

        ctx.sni_callback = callback
    return ctx


def keylog_summary(path, peer_path):
    """The key log file: its header, each line's label and field lengths (the secrets differ
    from run to run), and whether every line also appears in the peer's key log (both ends of
    a connection log the same secrets)."""
    with open(path) as f:
        text = f.read()
    lines = text.splitlines()
    out = {
        "header": lines[0] if lines else None,
        "ends_with_newline": text.endswith("\n"),
        # [label, len(client_random hex), len(secret hex)]
        "lines": [[f[0]] + [len(x) for x in f[1:]] for f in (l.split(" ") for l in lines[1:])],
    }
    if peer_path:
        with open(peer_path) as f:
            theirs = set(f.read().splitlines())
        out["all_in_peer_log"] = all(line in theirs for line in lines[1:])
    return out


class BioConn:
    """An SSLObject over a socket: the application moves the TLS bytes (the sans-I/O way)."""

    def __init__(self, ctx, sock, server_side, hostname=None, session=None):
        self.sock = sock
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inc, self.out, server_side=server_side,
                                server_hostname=hostname, session=session)

    def __getattr__(self, name):
        return getattr(self.obj, name)

    def flush(self):
        data = self.out.read()
        if data:
            self.sock.sendall(data)

    def pump(self, op):
        while True:
            try:
                result = op()
            except ssl.SSLWantReadError:
                self.flush()
                data = self.sock.recv(65536)
                if data:
                    self.inc.write(data)
                else:
                    self.inc.write_eof()
                continue
            except Exception:
                try:
                    self.flush()  # an alert for the peer
                except OSError:
                    pass
                raise
            self.flush()
            return result

    def do_handshake(self):
        self.pump(self.obj.do_handshake)

    def recv(self, n):
        return self.pump(lambda: self.obj.read(n))

    def send(self, data):
        return self.pump(lambda: self.obj.write(data))

    def sendall(self, data):
        view = memoryview(data)
        while len(view):
            n = self.pump(lambda: self.obj.write(view))
            view = view[n:]

    def close(self):
        self.sock.close()


def set_session(s, session):
    if isinstance(s, BioConn):
        s.obj.session = session
    else:
        s.session = session


def session_info(s, out):
    out["version"] = s.version()
    out["cipher"] = to_json(s.cipher())
    try:
        out["peercert"] = to_json(s.getpeercert())
    except Exception as e:
        out["peercert"] = {"error": err(e)}
    der = s.getpeercert(True)
    out["peercert_der_len"] = None if der is None else len(der)
    out["alpn"] = s.selected_alpn_protocol()
    out["compression"] = s.compression()
    cb = s.get_channel_binding("tls-unique")
    out["channel_binding_len"] = None if cb is None else len(cb)
    out["server_hostname"] = s.server_hostname
    out["session_reused"] = s.session_reused
    if hasattr(s, "group"):  # 3.15
        out["group"] = s.group()
        out["client_sigalg"] = s.client_sigalg()
        out["server_sigalg"] = s.server_sigalg()
    if hasattr(s, "get_verified_chain"):
        for key, method in (("verified_chain_len", s.get_verified_chain),
                            ("unverified_chain_len", s.get_unverified_chain)):
            try:
                out[key] = len(method())
            except Exception as e:
                out[key] = {"error": err(e)}


def client_once(cfg, port, hostname, session=None, ctx=None, peer_keylog=None, late_session=None):
    out = {"wrap": None, "handshake": None}
    if ctx is None:
        try:
            ctx = make_ctx(cfg, False)
        except Exception as e:
            out["context"] = err(e)
            return out, None, None
    sock = socket.create_connection(("127.0.0.1", port), timeout=cfg.get("timeout", TIMEOUT))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle/delayed-ACK stalls
    try:
        if cfg.get("bio"):
            s = BioConn(ctx, sock, False, hostname_arg(hostname), session)
        else:
            s = ctx.wrap_socket(sock, server_hostname=hostname_arg(hostname),
                                do_handshake_on_connect=False, session=session)
    except Exception as e:
        out["wrap"] = err(e)
        sock.close()
        return out, None, ctx
    try:
        s.do_handshake()
    except Exception as e:
        out["handshake"] = err(e)
        s.close()
        return out, None, ctx
    session_info(s, out)
    if late_session is not None:
        try:
            set_session(s, late_session)
            out["set_session"] = None
        except Exception as e:
            out["set_session"] = err(e)
    received, out["read_error"] = b"", None
    flow = cfg.get("flow")
    if flow == "after_abort":
        out["after_abort"] = after_abort(s)
        s.close()
        return out, None, ctx
    if flow == "sendfile":
        out["sendfile"] = send_file(s)
        s.close()
        return out, None, ctx
    try:
        if flow == "probe":
            try:
                s.recv(1024)
                out["probe"] = None
            except Exception as e:
                out["probe"] = err(e)
        if flow == "flood":
            s.sendall(b"x" * FLOOD)
        if flow == "http_get":  # openssl s_server -WWW serves a file, then closes
            s.sendall(b"GET /greeting.txt HTTP/1.0\r\n\r\n")
            while True:
                chunk = s.recv(1024)
                if not chunk:
                    break
                received += chunk
        while flow is None and b"\n" not in received:
            chunk = s.recv(1024)
            if not chunk:
                break
            received += chunk
        if b"\n" in received or flow == "probe":
            s.sendall(b"ping")
            while True:
                chunk = s.recv(1024)
                if not chunk:
                    break
                received += chunk
    except Exception as e:
        out["read_error"] = err(e)
    out["received"] = received.decode("latin-1")
    sess = s.session
    s.close()
    if "keylog" in cfg:
        out["keylog"] = keylog_summary(cfg["keylog"] + ".py", peer_keylog)
    return out, sess, ctx


AFTER_ABORT = ["send", "send", "recv", "recv", "recv", "send"]


def after_abort(s):
    """Send one byte to a peer that then drops the connection, and record what each of
    AFTER_ABORT's operations gives, 50 ms apart (the peer's FIN or RST arrives first).
    (do_handshake() is not asked: on a failed connection CPython 3.13+ answers with an
    OSError from whatever errno an earlier call left behind.)"""
    out = []
    s.send(b"x")
    for op in AFTER_ABORT:
        threading.Event().wait(0.05)
        try:
            if op == "send":
                out.append(s.send(b"ping"))
            elif op == "recv":
                out.append(s.recv(100).decode("latin-1"))
            else:
                s.do_handshake()
                out.append(None)
        except Exception as e:
            out.append(err(e))
    return out


SENDFILE_BYTES = bytes(range(256)) * 80  # 20480 bytes


def send_file(s):
    """sendfile() of a 20480-byte file: 15000 bytes from offset 100, then the rest from where
    the file was left; what each returns and the file position after it."""
    import tempfile
    out = []
    with tempfile.TemporaryFile() as f:
        f.write(SENDFILE_BYTES)
        f.seek(0)
        for args in ((100, 15000), ()):
            try:
                out.append([s.sendfile(f, *args), f.tell()])
            except Exception as e:
                out.append(err(e))
    return out


def run_client(cfg, port, hostname, resume=False, peer_keylog=None):
    mode = cfg.get("resume_mode")
    out, sess, ctx = client_once(cfg, port, hostname, peer_keylog=peer_keylog)
    if resume:
        if sess is None:
            out["resumed"] = None
        else:
            kwargs = {"session": sess, "ctx": ctx}
            if mode == "other_context":
                kwargs["ctx"] = None  # a fresh context with the same settings
            elif mode == "after_handshake":
                kwargs = {"late_session": sess, "ctx": ctx}
            second, _, _ = client_once(cfg, port, hostname, peer_keylog=peer_keylog, **kwargs)
            out["resumed"] = {key: second.get(key) for key in
                              ("wrap", "handshake", "session_reused", "set_session", "keylog")
                              if key in second}
    return out


def drain_close(sock):
    """Close after reading what the client sent, so it sees EOF rather than a reset."""
    try:
        sock.settimeout(TIMEOUT)
        sock.recv(65536)
    except OSError:
        pass
    sock.close()


def serve_conn(ctx, cfg, sock, sni_seen, session=None, peer_keylog=None, release=None):
    """Serve one connection; returns (observation, the connection's session)."""
    out = {"wrap": None, "handshake": None}
    sock.settimeout(cfg.get("timeout", TIMEOUT))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        if cfg.get("bio"):
            s = BioConn(ctx, sock, True, session=session)
        else:
            s = ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False,
                                session=session)
    except Exception as e:
        out["wrap"] = err(e)
        drain_close(sock)
        return out, None
    try:
        s.do_handshake()
    except Exception as e:
        out["handshake"] = err(e)
        out["sni"] = list(sni_seen)
        s.close()
        return out, None
    session_info(s, out)
    out["sni"] = list(sni_seen)
    out["shared_ciphers"] = to_json(s.shared_ciphers())
    if cfg.get("resume_mode") == "server_set":
        own = s.session
        try:
            set_session(s, own)
            out["set_session"] = None if own is not None else "no session"
        except Exception as e:
            out["set_session"] = err(e)
    out["pha"] = None
    if cfg.get("pha"):
        try:
            s.verify_client_post_handshake()
        except Exception as e:
            out["pha"] = err(e)
    received, out["read_error"] = b"", None
    if cfg.get("abort"):
        # Read the client's first byte, then drop the connection without close_notify: a FIN,
        # or with "reset" a RST (SO_LINGER 0).
        try:
            received = s.recv(1)
        except Exception as e:
            out["read_error"] = err(e)
        if cfg["abort"] == "reset":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        out["received"] = received.decode("latin-1")
        s.close()
        return out, None
    try:
        if cfg.get("flow") == "probe":
            try:
                s.recv(100)
                out["probe"] = None
            except Exception as e:
                out["probe"] = err(e)
        if cfg.get("hold"):
            received = s.recv(100)
            s.sendall(GREETING)
        elif cfg.get("stall"):
            release.wait(TIMEOUT * 3)
        else:
            s.sendall(GREETING)
            received = s.recv(100)
    except Exception as e:
        out["read_error"] = err(e)
    out["received"] = received.decode("latin-1")
    if cfg.get("pha"):
        try:
            out["pha_peercert"] = to_json(s.getpeercert())
        except Exception as e:
            out["pha_peercert"] = {"error": err(e)}
    sess = s.session
    s.close()
    if "keylog" in cfg:
        out["keylog"] = keylog_summary(cfg["keylog"] + ".py", peer_keylog)
    return out, sess


def raw_server(kind, sock):
    sock.settimeout(TIMEOUT)
    try:
        if kind == "eof_after_hello":
            sock.recv(65536)
        elif kind == "garbage":
            sock.recv(65536)
            sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        elif kind == "silent":
            while sock.recv(65536):
                pass
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    sock.close()
    return {"raw": kind}


def raw_client(kind, port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    try:
        if kind == "garbage":
            sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        if kind != "silent":
            sock.shutdown(socket.SHUT_WR)
        while sock.recv(65536):
            pass
    except OSError:
        pass
    sock.close()
    return {"raw": kind}


class PeerServer:
    """A listening peer server that handles every connection to it in turn."""

    def __init__(self, scenario):
        self.scenario = scenario
        self.cfg = scenario["peer"]
        self.observations = []
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.sni_seen = []
        self.release = threading.Event()
        self.ctx = None
        self.ctx_error = None
        if "raw" not in self.cfg:
            try:
                self.ctx = make_ctx(self.cfg, True, self.sni_seen)
            except Exception as e:
                self.ctx_error = err(e)
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            if "raw" in self.cfg:
                self.observations.append(raw_server(self.cfg["raw"], conn))
            elif self.ctx is None:
                drain_close(conn)
                self.observations.append({"context": self.ctx_error})
            else:
                del self.sni_seen[:]
                obs, _ = serve_conn(self.ctx, self.cfg, conn, self.sni_seen, release=self.release)
                self.observations.append(obs)

    def settle(self, count):
        for _ in range(200):
            if len(self.observations) >= count:
                break
            threading.Event().wait(0.02)
        return self.observations

    def close(self):
        """Stop the accept loop before the listener's descriptor is freed.

        Closing the listener while its thread is between reading the descriptor and calling
        accept() let that thread accept on the next scenario's listener, which the kernel
        had given the same descriptor number: one scenario's connection was then observed
        by the previous scenario's server (seen under load). shutdown() makes a pending or
        later accept() fail at once; the descriptor is closed only after the thread ends.
        """
        close_listener(self.listener, self.thread)


def peer_client(sc, port):
    cfg = sc["peer"]
    if "raw" in cfg:
        return raw_client(cfg["raw"], port)
    return run_client(cfg, port, sc.get("peer_hostname"), resume=sc.get("resume", False),
                      peer_keylog=sc.get("peer_keylog"))


def expected_connections(sc):
    return 2 if sc.get("resume") else 1


def close_listener(listener, thread):
    """Shut a listener down, wait for the thread accepting on it, then close it (see
    PeerServer.close)."""
    try:
        listener.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    thread.join(TIMEOUT)
    listener.close()


def listen():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    return listener


def serve_scenario(sc, listener, box):
    """The server under test of one scenario: every expected connection, in turn."""
    seen = []
    try:
        ctx = make_ctx(sc["me"], True, seen)
    except Exception as e:
        box["me"] = {"context": err(e)}
        conn, _ = listener.accept()
        drain_close(conn)
        return
    outs, sess = [], None
    for _ in range(expected_connections(sc)):
        conn, _ = listener.accept()
        del seen[:]
        offered = sess if sc["me"].get("resume_mode") == "server_wrap" else None
        obs, sess = serve_conn(ctx, sc["me"], conn, seen, session=offered,
                               peer_keylog=sc.get("peer_keylog"))
        outs.append(obs)
    box["me"] = outs


def main():
    mode = sys.argv[1]
    data = json.loads(sys.stdin.readline())
    scenarios = data["scenarios"]
    results = []
    if mode == "client-role":
        for sc in scenarios:
            peer = PeerServer(sc)
            me = run_client(sc["me"], peer.port, sc.get("server_hostname"),
                            resume=sc.get("resume", False), peer_keylog=sc.get("peer_keylog"))
            peer.release.set()
            results.append({"me": me, "peer": peer.settle(expected_connections(sc))})
            peer.close()
    elif mode == "peer-servers":
        peers = [PeerServer(sc) for sc in scenarios]
        print(json.dumps({"ports": [p.port for p in peers]}), flush=True)
        sys.stdin.readline()
        for p in peers:
            p.release.set()
        results = [p.settle(expected_connections(sc)) for p, sc in zip(peers, scenarios)]
    elif mode == "server-role":
        for sc in scenarios:
            listener = listen()
            box = {}
            t = threading.Thread(target=serve_scenario, args=(sc, listener, box), daemon=True)
            t.start()
            peer = peer_client(sc, listener.getsockname()[1])
            t.join(TIMEOUT * 3)
            close_listener(listener, t)
            results.append({"me": box.get("me"), "peer": peer})
    elif mode == "servers":
        listeners = [listen() for _ in scenarios]
        boxes = [{} for _ in scenarios]
        threads = [threading.Thread(target=serve_scenario, args=(sc, listener, box), daemon=True)
                   for sc, listener, box in zip(scenarios, listeners, boxes)]
        for t in threads:
            t.start()
        print(json.dumps({"ports": [l.getsockname()[1] for l in listeners]}), flush=True)
        for t in threads:
            t.join(TIMEOUT * 3)
        results = [box.get("me") for box in boxes]
    elif mode == "peer-clients":
        for sc, port in zip(scenarios, data["ports"]):
            results.append(peer_client(sc, port))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
