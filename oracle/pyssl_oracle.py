"""The CPython side of pyssl's differential tests and of `pyssl compare`.

Reads a JSON list of scenarios on stdin; each scenario is a list of steps run against one
`ssl.SSLContext`; prints a JSON list with, per scenario, the list of step results. A step
result is a JSON value, or {"error": {...}} describing the exception. pyssl's Rust side
(tests/common/dsl.rs, and the CLI) interprets the same steps through its own API.

Runs under any CPython >= 3.7 with its own `ssl` module; uses nothing else.
"""
import json
import os
import re
import ssl
import sys
import warnings

warnings.simplefilter("ignore")

SUFFIX = re.compile(r" \(_ssl\.c:\d+\)$")


def to_json(v):
    if isinstance(v, (bytes, bytearray)):
        return {"bytes": bytes(v).hex()}
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        v = int(v)
        return v if -2**63 <= v < 2**63 else "int:%d" % v
    if isinstance(v, (tuple, list)):
        return [to_json(x) for x in v]
    if isinstance(v, dict):
        return {str(k): to_json(x) for k, x in v.items()}
    return "repr:" + repr(v)


def error_json(e):
    d = {"type": type(e).__name__, "str": SUFFIX.sub("", str(e))}
    d["errno"] = e.errno if isinstance(e, OSError) else None
    d["library"] = getattr(e, "library", None)
    d["reason"] = getattr(e, "reason", None)
    d["value_error"] = isinstance(e, ValueError)
    d["os_error"] = isinstance(e, OSError)
    return {"error": d}


def P(v):
    """A path argument: "hex:<bytes>" stands for a bytes path (e.g. not valid UTF-8)."""
    if isinstance(v, str) and v.startswith("hex:"):
        return bytes.fromhex(v[4:])
    return v


def read_text(spec):
    if "text" in spec:
        return spec["text"]
    with open(spec["file"]) as f:
        return spec.get("prefix", "") + f.read() + spec.get("suffix", "")


def der_data(spec):
    """cadata as bytes: PEM files converted to DER and concatenated, plus raw hex."""
    out = b""
    for path in spec.get("pem_files", []):
        with open(path) as f:
            text = f.read()
        for block in re.findall(
            r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", text, re.S
        ):
            out += ssl.PEM_cert_to_DER_cert(block + "\n")
    out += bytes.fromhex(spec.get("hex", ""))
    return out


def cadata_arg(args):
    if "cadata_pem" in args:
        return read_text(args["cadata_pem"])
    if "cadata_der" in args:
        return der_data(args["cadata_der"])
    return None


def password_arg(spec):
    if spec is None:
        return None
    if "text" in spec:
        return spec["text"]
    if "repeat" in spec:
        return spec["repeat"][0] * spec["repeat"][1]
    if "bytes_hex" in spec:
        return bytes.fromhex(spec["bytes_hex"])
    if "callback_text" in spec:
        return lambda: spec["callback_text"]
    if "callback_repeat" in spec:
        return lambda: spec["callback_repeat"][0] * spec["callback_repeat"][1]
    if "callback_value_error" in spec:
        def cb():
            raise ValueError(spec["callback_value_error"])
        return cb
    raise KeyError(spec)


INT_ATTRS = ("options", "verify_mode", "verify_flags", "minimum_version", "maximum_version",
             "protocol", "security_level", "num_tickets", "_host_flags")


def get_attr(ctx, name):
    v = getattr(ctx, name)
    if name in INT_ATTRS:
        return int(v)
    if name == "sni_callback":
        return v is not None
    return v


def show(ctx):
    d = {}
    for name in ("protocol", "options", "verify_mode", "verify_flags", "check_hostname",
                 "minimum_version", "maximum_version", "security_level", "post_handshake_auth",
                 "hostname_checks_common_name", "num_tickets", "keylog_filename"):
        try:
            d[name] = get_attr(ctx, name)
        except AttributeError:
            pass
    d["cert_store_stats"] = ctx.cert_store_stats()
    d["get_ciphers"] = ctx.get_ciphers()
    d["get_ca_certs"] = ctx.get_ca_certs()
    return d


PURPOSES = {"server-auth": ssl.Purpose.SERVER_AUTH, "client-auth": ssl.Purpose.CLIENT_AUTH}


def run_step(state, step):
    op, args = step[0], step[1:]
    ctx = state.get("ctx")
    if ctx is None and op not in ("new", "default", "module", "der_to_pem", "pem_to_der",
                                  "cert_time", "file_lines", "make_file"):
        return "no context"
    if op == "new":
        state["ctx"] = ssl.SSLContext(args[0])
        return None
    if op == "default":
        a = args[0]
        state["ctx"] = ssl.create_default_context(
            PURPOSES[a.get("purpose", "server-auth")],
            cafile=P(a.get("cafile")), capath=P(a.get("capath")), cadata=cadata_arg(a))
        return None
    if op == "get":
        return get_attr(ctx, args[0])
    if op == "set":
        v = args[1]
        if isinstance(v, str) and v.startswith("int:"):
            v = int(v[4:])
        setattr(ctx, args[0], P(v))
        return None
    if op == "del":
        delattr(ctx, args[0])
        return None
    if op == "options_clear":
        ctx.options &= ~getattr(ssl, args[0])
        return int(ctx.options)
    if op == "options_or":
        ctx.options |= getattr(ssl, args[0])
        return int(ctx.options)
    if op == "verify_flags_or":
        ctx.verify_flags |= getattr(ssl, args[0])
        return int(ctx.verify_flags)
    if op == "verify_flags_clear":
        ctx.verify_flags &= ~getattr(ssl, args[0])
        return int(ctx.verify_flags)
    if op == "set_ciphers":
        return ctx.set_ciphers(args[0])
    if op == "set_ciphersuites":
        return ctx.set_ciphersuites(args[0])
    if op == "set_groups":
        return ctx.set_groups(args[0])
    if op == "get_groups":
        return ctx.get_groups(include_aliases=args[0])
    if op == "set_client_sigalgs":
        return ctx.set_client_sigalgs(args[0])
    if op == "set_server_sigalgs":
        return ctx.set_server_sigalgs(args[0])
    if op == "get_ciphers":
        return ctx.get_ciphers()
    if op == "cipher_names":
        return [c["name"] for c in ctx.get_ciphers()]
    if op == "lvl":
        a = args[0]
        return ctx.load_verify_locations(P(a.get("cafile")), P(a.get("capath")), cadata_arg(a))
    if op == "stats":
        return ctx.cert_store_stats()
    if op == "ca_certs":
        return ctx.get_ca_certs(bool(args[0]) if args else False)
    if op == "lcc":
        return ctx.load_cert_chain(P(args[0]), P(args[1]), password_arg(args[2]))
    if op == "alpn":
        return ctx.set_alpn_protocols(args[0])
    if op == "ecdh":
        return ctx.set_ecdh_curve(args[0])
    if op == "dh":
        return ctx.load_dh_params(P(args[0]))
    if op == "sni":
        if args[0]:
            ctx.set_servername_callback(lambda *a: None)
        else:
            ctx.set_servername_callback(None)
        return None
    if op == "session_stats":
        return ctx.session_stats()
    if op == "load_default_certs":
        return ctx.load_default_certs()
    if op == "set_default_verify_paths":
        return ctx.set_default_verify_paths()
    if op == "show":
        return show(ctx)
    if op == "module":
        return module_facts()
    if op == "get_sigalgs":
        return ssl.get_sigalgs()
    if op == "make_file":
        data = b""
        for part in args[1]:
            if "text" in part:
                data += part["text"].encode()
            else:
                with open(part["file"], "rb") as f:
                    chunk = f.read()
                data += chunk[part.get("start", 0):part.get("end", len(chunk))]
        with open(args[0], "wb") as f:
            f.write(data)
        return len(data)
    if op == "file_lines":
        with open(args[0]) as f:
            return f.read().splitlines()
    if op == "der_to_pem":
        return ssl.DER_cert_to_PEM_cert(bytes.fromhex(args[0]))
    if op == "pem_to_der":
        return ssl.PEM_cert_to_DER_cert(args[0])
    if op == "cert_time":
        return ssl.cert_time_to_seconds(args[0])
    raise ValueError("unknown op %r" % (op,))


def module_facts():
    p = ssl.get_default_verify_paths()
    import _ssl
    pattern = r"^(OP|VERIFY|CERT|PROTOCOL|PROTO|ALERT_DESCRIPTION|HOSTFLAG|ENCODING|SSL_ERROR)_"
    consts = {}
    has = {}
    for mod in (_ssl, ssl):
        for n in dir(mod):
            v = getattr(mod, n)
            if re.match(pattern, n) and isinstance(v, int):
                consts[n] = int(v)
            elif n.startswith("HAS_"):
                has[n] = v
    return {
        "OPENSSL_VERSION": ssl.OPENSSL_VERSION,
        "OPENSSL_VERSION_INFO": ssl.OPENSSL_VERSION_INFO,
        "OPENSSL_VERSION_NUMBER": ssl.OPENSSL_VERSION_NUMBER,
        "default_verify_paths": list(p),
        "has": dict(sorted(has.items())),
        "constants": dict(sorted(consts.items())),
        "purposes": [list(ssl.Purpose.SERVER_AUTH.value), list(ssl.Purpose.CLIENT_AUTH.value)],
        "CHANNEL_BINDING_TYPES": ssl.CHANNEL_BINDING_TYPES,
    }


def run_scenario(steps):
    state = {}
    out = []
    for step in steps:
        try:
            out.append(to_json(run_step(state, step)))
        except Exception as e:  # every exception is an answer to compare
            out.append(error_json(e))
    return out


def main():
    scenarios = json.load(sys.stdin)
    json.dump([run_scenario(s) for s in scenarios], sys.stdout)


if __name__ == "__main__":
    main()
