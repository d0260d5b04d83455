# The live side of tests/verdicts.rs's client-certificate cases: one server per case on stdin
# (JSON list of {"cafile"}), each ssl.create_default_context(Purpose.CLIENT_AUTH, cafile=)
# with verify_mode = CERT_REQUIRED and argv[1] as its own certificate and key. Prints the
# ports (a JSON list, one line), accepts one client per server in order, then prints what each
# handshake gave: {"ok": true, "version", "cipher"} or {"ok": false, "error": describe(e)}.
# describe.py is put in front of this script.
cases = json.load(sys.stdin)
servers = []
for case in cases:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=case["cafile"])
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_cert_chain(sys.argv[1])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    sock.settimeout(60)
    servers.append((ctx, sock))
print(json.dumps([s.getsockname()[1] for _, s in servers]), flush=True)
out = []
for ctx, sock in servers:
    conn, _ = sock.accept()
    conn.settimeout(30)
    try:
        with ctx.wrap_socket(conn, server_side=True) as s:
            out.append({"ok": True, "version": s.version(), "cipher": s.cipher()[0]})
    except Exception as e:
        out.append({"ok": False, "error": describe(e)})
    finally:
        conn.close()
        sock.close()
print(json.dumps(out), flush=True)
