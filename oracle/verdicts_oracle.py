# The live side of tests/verdicts.rs: for each server on stdin (JSON list of {"port",
# "server_hostname", "cafile"}), what this interpreter's ssl.create_default_context(cafile=)
# says when it connects: {"ok": true, "version", "cipher"} or {"ok": false, "error":
# describe(e)}. describe.py is put in front of this script.
cases = json.load(sys.stdin)
out = []
for case in cases:
    ctx = ssl.create_default_context(cafile=case["cafile"])
    sock = socket.create_connection(("127.0.0.1", case["port"]), timeout=10)
    try:
        with ctx.wrap_socket(sock, server_hostname=case["server_hostname"]) as s:
            out.append({"ok": True, "version": s.version(), "cipher": s.cipher()[0]})
    except Exception as e:
        out.append({"ok": False, "error": describe(e)})
    finally:
        sock.close()
print(json.dumps(out))
