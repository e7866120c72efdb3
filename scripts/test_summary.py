#!/usr/bin/env python3
"""Prints 'N passed, N failed, N skipped' from a Meson testlog.json."""
import json
import sys

counts = {"OK": 0, "FAIL": 0, "SKIP": 0}
with open(sys.argv[1]) as f:
    for line in f:
        result = json.loads(line).get("result", "FAIL")
        key = result if result in counts else ("OK" if result == "EXPECTEDFAIL" else "FAIL")
        counts[key] += 1
print(f"{counts['OK']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
