# One description of an exception for every oracle script and its Rust twin
# (tests/common/mod.rs `describe`): the class, str() without CPython's "(_ssl.c:NNNN)" suffix
# or "_ssl.c:NNNN: " prefix (pyssl has no C source lines to show), errno, args, strerror, and
# for SSL errors library, reason, verify_code and verify_message. Scripts start with it.
import json, os, re, socket, ssl, sys
def describe(e):
    return {
        "type": type(e).__name__,
        "str": unsuffixed(str(e)),
        "errno": e.errno if isinstance(getattr(e, "errno", None), int) else None,
        "library": getattr(e, "library", None),
        "reason": getattr(e, "reason", None),
        "verify_code": getattr(e, "verify_code", None),
        "verify_message": getattr(e, "verify_message", None),
        "args": [described_arg(a) for a in e.args],
        "strerror": unsuffixed(e.strerror) if isinstance(e, OSError) else None,
    }
def described_arg(a):
    if isinstance(a, (bytes, bytearray)):
        return {"bytes": bytes(a).hex()}
    return unsuffixed(a)
def unsuffixed(v):
    if not isinstance(v, str):
        return v
    return re.sub(r"^_ssl\.c:\d+: ", "", re.sub(r" \(_ssl\.c:\d+\)$", "", v))
