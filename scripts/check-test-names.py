#!/usr/bin/env python3
"""Fails if a Catch test name (adjacent string literals joined, as the compiler
joins them) contains ';' or starts with '--': ctest splits names at ';' and
Catch reads a leading '--' as an option, so such a test silently runs nothing."""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
bad = []
for path in sorted((root / "tests").rglob("*.cpp")):
    text = path.read_text(encoding="utf-8")
    for m in re.finditer(r'(?:TEMPLATE_)?TEST_CASE\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)', text):
        name = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))
        if ";" in name or name.startswith("--"):
            bad.append(f"{path.relative_to(root)}:{text.count(chr(10), 0, m.start()) + 1}: {name}")
for line in bad:
    print(line, file=sys.stderr)
if bad:
    print("check-test-names: the test names above contain ';' or start with '--'; ctest would not run them", file=sys.stderr)
sys.exit(1 if bad else 0)
