#!/usr/bin/python3
"""docs/logs.md lists every event the hub logs, with every field: each log::LEVEL("event", {{"field", ...}})
call under hub/ must have its row, with the same level and all its fields, and each row an event that
exists. Run with the repository's root; prints what is missing and exits 1."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
call = re.compile(r'log::(debug|info|warning|error)\(\s*"([a-z0-9_]+)"')
field = re.compile(r'\{"([a-z0-9_]+)",')


def call_body(text, start):
    """The text of the call's arguments, up to its closing parenthesis."""
    depth, i = 1, start
    while depth and i < len(text):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        i += 1
    return text[start:i]


logged = {}  # event -> {"levels": set, "fields": set, "where": set}
for path in sorted(root.glob("hub/**/*.[ch]*")):
    text = path.read_text()
    for m in call.finditer(text):
        e = logged.setdefault(m.group(2), {"levels": set(), "fields": set(), "where": set()})
        e["levels"].add(m.group(1))
        e["fields"].update(field.findall(call_body(text, m.end())))
        e["where"].add(str(path.relative_to(root)))

row = re.compile(r"^\| `([a-z0-9_]+)` \| ([a-z, ]+) \| ([^|]*) \|")
documented = {}
for line in (root / "docs/logs.md").read_text().splitlines():
    if m := row.match(line):
        documented[m.group(1)] = {
            "levels": {w.strip() for w in m.group(2).split(",")},
            "fields": set(re.findall(r"`([a-z0-9_]+)`", m.group(3))),
        }

failures = []
for event, e in sorted(logged.items()):
    d = documented.get(event)
    if d is None:
        failures.append(f"{event} ({', '.join(sorted(e['where']))}) is not in docs/logs.md")
        continue
    if e["levels"] != d["levels"]:
        failures.append(f"{event} is logged at {sorted(e['levels'])}, documented at {sorted(d['levels'])}")
    if missing := e["fields"] - d["fields"]:
        failures.append(f"{event}'s fields {sorted(missing)} are not documented")
for event in sorted(documented.keys() - logged.keys()):
    failures.append(f"docs/logs.md lists {event}, which nothing logs")

print(f"{len(logged)} events logged, {len(documented)} documented")
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
