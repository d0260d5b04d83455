#!/usr/bin/env python3
"""Dump the running CPython's `_ssl` mnemonic tables as JSON (for tools/gen_error_codes.py).

CPython 3.7-3.11 expose `_ssl.lib_codes_to_names` / `_ssl.err_codes_to_names`; 3.12+ do not.

    ~/.pyenv/versions/3.7.16/bin/python3 tools/dump_error_codes.py > /tmp/errcodes-3.7.json
"""
import json
import ssl
import sys

import _ssl

json.dump(
    {
        "generated_with": "python %s / %s ; _ssl.lib_codes_to_names and _ssl.err_codes_to_names"
        % (sys.version.split()[0], ssl.OPENSSL_VERSION),
        "lib_codes_to_names": {str(k): v for k, v in sorted(_ssl.lib_codes_to_names.items())},
        "err_codes_to_names": {
            "%d,%d" % k: v for k, v in sorted(_ssl.err_codes_to_names.items())
        },
    },
    sys.stdout,
    indent=0,
)
