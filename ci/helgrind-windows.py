#!/usr/bin/env python3
"""Classify helgrind's reports from the run of `admitted_windows_while_handshakes_run`.

Each "Possible data race" report has the stack of the access and the stack of the earlier
access it conflicts with. A report belongs to an admitted window (src/context/mod.rs,
SECURITY.md) when a frame of either stack is one of the window's own; anything else is an
unexplained race and fails. Every window must be reached at least once.

usage: helgrind-windows.py HELGRIND_LOG
"""
import re
import sys

# (window, frames that identify it), in order. A report belongs to the first window one of
# whose frames appears in the stacks of its two accesses; failing that, in the stack that
# allocated the memory (a lookup or a store published through the racy pointer, read by a
# verification that has no happens-before with its making).
WINDOWS = [
    ("first SNI callback", [
        "SSL_CTX_callback_ctrl", "SSL_CTX_set_tlsext_servername_callback",
    ]),
    ("first key log file", ["SSL_CTX_set_keylog_callback"]),
    # The store swap, and what was put in the new store before it.
    ("store pointer swap", ["SSL_CTX_set_cert_store", "pyssl::store::make_private_locked"]),
    # A capath or the default lookups added to a live store.
    ("lookups added to a searched store", [
        "X509_STORE_add_lookup", "X509_LOOKUP_ctrl", "X509_STORE_load_path",
        "pyssl::store::merge",
    ]),
    # A certificate added to a store (by load_verify_locations) while verifications run:
    # two of them may fill its cached extension flags at once, OpenSSL's own unsynchronised
    # cache inside the certificate (CPython's contexts the same).
    ("certificate added while verifying (met by chance, not required)", ["pyssl::context::trust::"]),
]


def frames(lines):
    out = []
    for line in lines:
        m = re.match(r"\s+(?:at|by) 0x[0-9A-F]+: (.*?)(?: \(.*)?$", line)
        if m:
            out.append(m.group(1))
    return out


def classify(stack):
    for name, marks in WINDOWS:
        if any(mark in f for f in stack for mark in marks):
            return name
    return None


def main():
    log = open(sys.argv[1], encoding="utf-8", errors="replace").read()
    log = re.sub(r"(?m)^==\d+== ?", "", log)
    counts = {name: 0 for name, _ in WINDOWS}
    unexplained = []
    for block in re.split(r"(?m)^-{20,}$", log):
        if "Possible data race" not in block:
            continue
        # Past the "Lock at ... was first observed" notes: the access and the access it
        # conflicts with, then where the memory was allocated.
        block = block[block.index("Possible data race"):]
        parts = block.split("This conflicts with", 1)
        accesses, allocated = [], []
        for part in parts:
            cut = re.split(r"(?m)^ ?(?:Address 0x|Block was alloc)", part, maxsplit=1)
            accesses += frames(cut[0].splitlines())
            if len(cut) > 1:
                allocated += frames(cut[1].splitlines())
        name = classify(accesses) or classify(allocated)
        if name:
            counts[name] += 1
        else:
            unexplained.append(block.strip())
    for name, n in counts.items():
        print(f"  window {name}: {n} report(s)")
    missing = [name for name, n in counts.items() if n == 0 and "not required" not in name]
    if unexplained:
        print(f"{len(unexplained)} report(s) outside every admitted window:")
        for block in unexplained[:5]:
            print("\n".join(block.splitlines()[:30]))
            print("--")
    if missing:
        print("windows not reached: " + ", ".join(missing))
    return 1 if unexplained or missing else 0


if __name__ == "__main__":
    sys.exit(main())
