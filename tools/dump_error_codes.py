#!/usr/bin/env python3
"""Dump the running CPython's `_ssl` mnemonic tables as JSON (for tools/gen_error_codes.py).

CPython compiles a `(library, reason) -> mnemonic` table and a `library -> mnemonic` table
from the OpenSSL headers it was built against. 3.7-3.11 expose them as
`_ssl.lib_codes_to_names` / `_ssl.err_codes_to_names`; 3.12+ keep them private. This script
prints them as
`{"generated_with": "...", "lib_codes_to_names": {"20": "SSL", ...},
  "err_codes_to_names": {"20,134": "CERTIFICATE_VERIFY_FAILED", ...}}`.

Methods:
- exposed (3.7-3.11 by default): read the two `_ssl` dicts.
- live (3.12+ by default, anywhere with --live): recover the tables from the outside. Through
  ctypes, push one packed error code at a time onto OpenSSL's (thread-local) error queue of
  the very libcrypto `_ssl` has loaded (ERR_new + ERR_set_debug + ERR_set_error; OpenSSL
  1.1.1: ERR_put_error), then make `_ssl` turn the queue into an `SSLError` and read the
  `library` / `reason` attributes it fills in from its tables (None when the table has no
  name). Two "channels" make `_ssl` do that:
    ecdh      `SSLContext.set_ecdh_curve("rsaEncryption")`: a known object name that is no
              group, so SSL_CTX_set1_groups() fails without queueing an error of its own and
              `_ssl` reports `ERR_peek_last_error()` (3.11+ on OpenSSL 3; 3.7-3.10 use an
              EC_KEY path that queues an error of its own, so the self-test rejects it there).
    sslobject `SSLObject.do_handshake()` on a client whose handshake already failed: OpenSSL
              returns -1 at once (no ERR_clear_error, which a live handshake step does),
              SSL_get_error() sees the queued code (first entry) and `_ssl` reports the last
              entry. From 3.13.2 a queued ERR_LIB_SYS code raises OSError there, so library
              2 can't be seen through this channel; 3.15's sticky SSLEOFError (after code
              (20, 294)) is handled by starting a fresh object.
  `--channel auto` (default) self-tests ecdh first, then sslobject. The self-test checks that
  an empty queue gives no names, that a queued code comes back (its OpenSSL text in the
  message), which of two queued codes is reported, that the queue is empty afterwards, and
  that the packing of lib / reason matches what `_ssl` computes (ERR_GET_LIB/ERR_GET_REASON).
  Probed codes: every library 0..255 (8 bits in OpenSSL 3's packing) x every reason
  0..--max-reason (default 4095), and each of those reasons again with the OpenSSL 3 flag
  bits ERR_RFLAG_FATAL, ERR_RFLAG_COMMON and both (that is how ERR_R_* common reasons are
  packed; `_ssl` keys by ERR_GET_REASON, flags included). CPython's reason names come from
  the XXX_R_* macros of OpenSSL's *err.h, which stay below 2**18 and in practice below
  1256 (SSL alert reasons are 1000 + alert number; the 3.0 and 3.6 tables top at 1116 and
  1120), so 4095 is a wide margin; --max-reason 262143 probes the whole library-specific
  space (12-16 min).
  About 4.2 million probes, 10-20 s.

    ~/.pyenv/versions/3.7.16/bin/python3 tools/dump_error_codes.py > /tmp/errcodes-3.7.json
    ~/.pyenv/versions/3.13.0/bin/python3 tools/dump_error_codes.py > /tmp/errcodes-3.13.json
    ~/.pyenv/versions/3.11.7/bin/python3 tools/dump_error_codes.py --live --validate > /tmp/live-3.11.json
    python3 tools/dump_error_codes.py --live --channel sslobject --max-reason 8191 > /tmp/t.json

--validate (3.7-3.11, implies --live): compare the live tables with the exposed dicts, print
the differences on stderr and exit 1 if there are any (the JSON is still printed).
--libcrypto PATH: use this libcrypto instead of the one found in /proc/self/maps.
"""
import argparse
import ctypes
import json
import os
import ssl
import sys
import time

import _ssl

ERR_LIB_SYS = 2
RFLAG_FATAL = 0x1 << 18
RFLAG_COMMON = 0x2 << 18
FLAG_VARIANTS = (0, RFLAG_FATAL, RFLAG_COMMON, RFLAG_FATAL | RFLAG_COMMON)
# Keep these alive: ERR_set_debug stores the pointers, it does not copy the strings.
_DEBUG_FILE = b"dump_error_codes.py"
_DEBUG_FUNC = b"probe"


def exposed_tables():
    if not hasattr(_ssl, "err_codes_to_names"):
        return None
    return dict(_ssl.lib_codes_to_names), dict(_ssl.err_codes_to_names)


# --- the libcrypto `_ssl` uses ------------------------------------------------------------


def _mapped_libcrypto_paths():
    paths = []
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split(None, 5)
                if len(parts) == 6:
                    path = parts[5].strip()
                    if os.path.basename(path).startswith("libcrypto") and path not in paths:
                        paths.append(path)
    except OSError:
        pass
    return paths


def load_libcrypto(explicit=None):
    """Return (ctypes library, description) for candidates that export the ERR API.

    The self-test later proves the chosen copy is the one `_ssl` reads its queue from."""
    if explicit:
        candidates = [explicit]
    else:
        # The copy mapped into this process; else OpenSSL linked statically into _ssl or
        # into the interpreter itself.
        candidates = _mapped_libcrypto_paths() + [getattr(_ssl, "__file__", None), None]
    for cand in candidates:
        try:
            lib = ctypes.CDLL(cand)
        except OSError:
            continue
        if hasattr(lib, "ERR_peek_error") and (
            hasattr(lib, "ERR_set_error") or hasattr(lib, "ERR_put_error")
        ):
            return lib, cand or "<process global symbols>"
    raise SystemExit("dump_error_codes: no libcrypto exporting the ERR API found (try --libcrypto)")


class ErrorQueue:
    def __init__(self, lib, where):
        self.where = where
        self.lib = lib
        lib.ERR_clear_error.restype = None
        lib.ERR_clear_error.argtypes = []
        lib.ERR_peek_error.restype = ctypes.c_ulong
        lib.ERR_peek_error.argtypes = []
        lib.ERR_reason_error_string.restype = ctypes.c_char_p
        lib.ERR_reason_error_string.argtypes = [ctypes.c_ulong]
        self.clear = lib.ERR_clear_error
        self.peek = lib.ERR_peek_error
        self.ossl3 = hasattr(lib, "ERR_set_error") and hasattr(lib, "ERR_new")
        if self.ossl3:
            lib.ERR_new.restype = None
            lib.ERR_new.argtypes = []
            lib.ERR_set_debug.restype = None
            lib.ERR_set_debug.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
            lib.ERR_set_error.restype = None
            lib.ERR_set_error.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p]
            new, debug, seterr = lib.ERR_new, lib.ERR_set_debug, lib.ERR_set_error

            def push(library, reason):
                new()
                debug(_DEBUG_FILE, 1, _DEBUG_FUNC)
                seterr(library, reason, None)

        else:  # OpenSSL 1.1.1: lib << 24 | func << 12 | reason (12 bits)
            lib.ERR_put_error.restype = None
            lib.ERR_put_error.argtypes = [
                ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
            put = lib.ERR_put_error

            def push(library, reason):
                put(library, 0, reason, _DEBUG_FILE, 1)

        self.push = push

    def key(self, library, reason):
        """(ERR_GET_LIB, ERR_GET_REASON) of the code push(library, reason) queues."""
        if self.ossl3:
            if library == ERR_LIB_SYS:
                return ERR_LIB_SYS, reason & 0x7FFFFFFF
            return library & 0xFF, reason & 0x7FFFFF
        return library & 0xFF, reason & 0xFFF

    def unpack(self, code):
        if self.ossl3:
            if code & 0x80000000:
                return ERR_LIB_SYS, code & 0x7FFFFFFF
            return (code >> 23) & 0xFF, code & 0x7FFFFF
        return (code >> 24) & 0xFF, code & 0xFFF

    def text(self, library, reason):
        self.clear()
        self.push(library, reason)
        code = self.peek()
        self.clear()
        s = self.lib.ERR_reason_error_string(code)
        return code, (s.decode("latin-1") if s else None)


# --- channels: ways of making `_ssl` report the queued code ---------------------------------


class EcdhChannel:
    name = "ecdh"
    describe = 'SSLContext.set_ecdh_curve("rsaEncryption") -> _setSSLError'

    def __init__(self):
        self.call = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).set_ecdh_curve

    def fire(self):
        """Return the SSLError `_ssl` raises for the current queue (None if none)."""
        try:
            self.call("rsaEncryption")
        except ssl.SSLError as e:
            return e
        except ValueError:  # no object of that name: channel unusable
            return None
        return None

    def renew(self):
        pass


class SSLObjectChannel:
    name = "sslobject"
    describe = "SSLObject.do_handshake() after a failed handshake -> PySSL_SetError"

    def __init__(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.ctx = ctx
        self.renew()

    def renew(self):
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = self.ctx.wrap_bio(incoming, outgoing)
        try:
            obj.do_handshake()  # sends the ClientHello
        except ssl.SSLWantReadError:
            pass
        # A handshake record carrying a message a client never expects first.
        incoming.write(b"\x16\x03\x03\x00\x06" + b"\x00\x00\x00\x02\x00\x00")
        try:
            obj.do_handshake()
        except ssl.SSLError:
            pass
        else:
            raise RuntimeError("sslobject channel: the handshake did not fail")
        self.obj = obj

    def fire(self):
        try:
            self.obj.do_handshake()
        except ssl.SSLError as e:
            return e
        except OSError as e:  # 3.13.2+: ERR_LIB_SYS codes become OSError
            return e
        return None


CHANNELS = {"ecdh": EcdhChannel, "sslobject": SSLObjectChannel}


def self_test(queue, channel):
    """Return a short description of how the channel reports, or raise RuntimeError."""
    # The packing model used for the keys: what OpenSSL actually queues.
    for library, reason in ((1, 1), (2, 5), (20, 1116), (61, 4095), (255, 0x7FF),
                            (20, 5 | RFLAG_COMMON), (6, 3 | RFLAG_FATAL | RFLAG_COMMON)):
        if not queue.ossl3 and reason > 0xFFF:
            continue
        code, _ = queue.text(library, reason)
        if queue.unpack(code) != queue.key(library, reason):
            raise RuntimeError("(%d, %d) packs to %#x" % (library, reason, code))
    queue.clear()
    e = channel.fire()
    queue.clear()
    if getattr(e, "library", None) or getattr(e, "reason", None):
        raise RuntimeError("empty queue: the operation queued its own error (%s)" % e)
    channel.renew()
    # Codes with an OpenSSL text of their own, so the message proves which one was reported.
    samples = []
    for library in (20, 6, 9, 11, 13, 32):
        for reason in range(100, 4096):
            code, text = queue.text(library, reason)
            if text and queue.unpack(code) == queue.key(library, reason):
                samples.append((library, reason, text))
                break
    if len(samples) < 2:
        raise RuntimeError("could not find two codes with OpenSSL texts")
    (la, ra, ta), (lb, rb, tb) = samples[:2]
    for library, reason, text in samples:
        queue.clear()
        queue.push(library, reason)
        e = channel.fire()
        left = queue.peek()
        queue.clear()
        if not isinstance(e, ssl.SSLError) or text not in str(e):
            raise RuntimeError("queued (%d, %d) %r not reported: %r" % (library, reason, text, e))
        if left:
            raise RuntimeError("queue not emptied by the operation")
    queue.clear()
    queue.push(la, ra)
    queue.push(lb, rb)
    e = channel.fire()
    queue.clear()
    channel.renew()
    s = str(e)
    if tb in s and ta not in s:
        order = "last"
    elif ta in s and tb not in s:
        order = "first"
    else:
        raise RuntimeError("two queued codes: cannot tell which was reported: %r" % s)
    return "reports the %s queued error" % order


def probe(queue, channel, max_reason, flags=FLAG_VARIANTS):
    """Return (lib names, {(lib, reason): name}, libraries that could not be seen)."""
    lib_names = {}
    names = {}
    unseen = set()
    push, peek, clear, fire = queue.push, queue.peek, queue.clear, channel.fire
    clear()
    for library in range(256):
        seen_lib = None
        for flag in flags:
            for reason in range(max_reason + 1):
                r = reason | flag
                if library == 0 and r == 0:
                    continue  # packs to 0: "no error"
                for attempt in (0, 1):
                    push(library, r)
                    e = fire()
                    if peek() == 0 and isinstance(e, ssl.SSLError):
                        break
                    clear()
                    if isinstance(e, OSError) and not isinstance(e, ssl.SSLError):
                        e = None  # unobservable through this channel
                        break
                    channel.renew()  # e.g. 3.15's sticky SSLEOFError
                else:
                    raise RuntimeError("probe (%d, %d) failed: %r" % (library, r, e))
                if e is None:
                    unseen.add(library)
                    continue
                lname = e.library
                if seen_lib is None:
                    seen_lib = lname
                elif lname != seen_lib:
                    raise RuntimeError("library %d named %r and %r" % (library, seen_lib, lname))
                if e.reason is not None:
                    k = queue.key(library, r)
                    if k in names and names[k] != e.reason:
                        raise RuntimeError("%r named %r and %r" % (k, names[k], e.reason))
                    names[k] = e.reason
        if seen_lib is not None:
            lib_names[library] = seen_lib
    return lib_names, names, unseen


def live_tables(args):
    lib, where = load_libcrypto(args.libcrypto)
    queue = ErrorQueue(lib, where)
    order = [args.channel] if args.channel != "auto" else ["ecdh", "sslobject"]
    failures = []
    for name in order:
        try:
            channel = CHANNELS[name]()
            how = self_test(queue, channel)
        except RuntimeError as exc:
            failures.append("%s: %s" % (name, exc))
            continue
        break
    else:
        raise SystemExit("dump_error_codes: no usable channel: " + "; ".join(failures))
    flags = FLAG_VARIANTS if queue.ossl3 else (0,)
    t0 = time.perf_counter()
    lib_names, names, unseen = probe(queue, channel, args.max_reason, flags)
    elapsed = time.perf_counter() - t0
    note = (
        "live probe: ERR_%s via ctypes on %s, %s (%s); libraries 0-255 x reasons 0-%d%s; "
        "%d named reasons"
        % (
            "new/ERR_set_debug/ERR_set_error" if queue.ossl3 else "put_error",
            where,
            channel.describe,
            how,
            args.max_reason,
            " and their ERR_RFLAG_FATAL/COMMON variants" if len(flags) > 1 else "",
            len(names),
        )
    )
    if failures:
        note += "; channels rejected: " + "; ".join(failures)
    if unseen:
        note += "; libraries not observable through this channel: %s" % sorted(unseen)
    print("dump_error_codes: %s (%.1f s)" % (note, elapsed), file=sys.stderr)
    return lib_names, names, note


def compare(exposed, live):
    (elib, eerr), (llib, lerr) = exposed, live
    out = []
    for what, a, b in (("library", elib, llib), ("reason", eerr, lerr)):
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                out.append("%s %r: exposed %r, live %r" % (what, k, a.get(k), b.get(k)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--live", action="store_true", help="probe even if the dicts are exposed")
    ap.add_argument("--validate", action="store_true",
                    help="probe live and compare with the exposed dicts (3.7-3.11)")
    ap.add_argument("--channel", choices=("auto", "ecdh", "sslobject"), default="auto")
    ap.add_argument("--max-reason", type=int, default=4095)
    ap.add_argument("--libcrypto", help="path of the libcrypto `_ssl` uses")
    args = ap.parse_args()

    version = "python %s / %s" % (sys.version.split()[0], ssl.OPENSSL_VERSION)
    exposed = exposed_tables()
    if args.validate and exposed is None:
        raise SystemExit("dump_error_codes: --validate needs _ssl.err_codes_to_names (3.7-3.11)")
    status = 0
    if args.live or args.validate or exposed is None:
        lib_names, names, note = live_tables(args)
        method = note
        if args.validate:
            diff = compare(exposed, (lib_names, names))
            for line in diff:
                print("dump_error_codes: DIFF " + line, file=sys.stderr)
            print(
                "dump_error_codes: validate: %d/%d libraries, %d/%d reasons, %d differences"
                % (len(lib_names), len(exposed[0]), len(names), len(exposed[1]), len(diff)),
                file=sys.stderr,
            )
            method += "; validated against the exposed dicts: %d differences" % len(diff)
            status = 1 if diff else 0
    else:
        lib_names, names = exposed
        method = "_ssl.lib_codes_to_names and _ssl.err_codes_to_names"

    json.dump(
        {
            "generated_with": "%s ; %s" % (version, method),
            "lib_codes_to_names": {str(k): v for k, v in sorted(lib_names.items())},
            "err_codes_to_names": {"%d,%d" % k: v for k, v in sorted(names.items())},
        },
        sys.stdout,
        indent=0,
    )
    return status


if __name__ == "__main__":
    sys.exit(main())
