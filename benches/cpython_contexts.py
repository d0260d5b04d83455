"""CPython's side of benches/contexts.rs: the same workloads, timed the same way.

Usage (the Rust harness runs these, alternating with its own measurements):
    python3 cpython_contexts.py ctx N     median of N warm ssl.create_default_context() calls
    python3 cpython_contexts.py first     the first call in this (fresh) process
    python3 cpython_contexts.py first-split   the first SSLContext(), then the first default one
    python3 cpython_contexts.py mem N     VmRSS growth per context with N kept alive
Each prints one line of key=value pairs.
"""
import statistics
import sys
import time


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def ctx(n):
    import ssl

    ssl.create_default_context()
    v = []
    for _ in range(n):
        t = time.perf_counter()
        c = ssl.create_default_context()
        del c
        v.append((time.perf_counter() - t) * 1e6)
    print(f"median_us={statistics.median(v):.2f} n={n}")


def first():
    import ssl  # loads libssl and OpenSSL's configuration, as pyssl's harness does first

    t = time.perf_counter()
    ssl.create_default_context()
    print(f"first_us={(time.perf_counter() - t) * 1e6:.1f}")


def first_split():
    import ssl

    t = time.perf_counter()
    ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx_us = (time.perf_counter() - t) * 1e6
    t = time.perf_counter()
    ssl.create_default_context()
    print(f"first_ctx_us={ctx_us:.0f} then_default_us={(time.perf_counter() - t) * 1e6:.0f}")


def mem(n):
    import ssl

    ssl.create_default_context()
    before = rss_kib()
    keep = [ssl.create_default_context() for _ in range(n)]
    after = rss_kib()
    print(f"per_ctx_kib={(after - before) / n:.2f} n={len(keep)}")


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "ctx":
        ctx(int(sys.argv[2]))
    elif mode == "first":
        first()
    elif mode == "first-split":
        first_split()
    elif mode == "mem":
        mem(int(sys.argv[2]))
    else:
        raise SystemExit("unknown mode " + mode)
