#!/usr/bin/python3
"""schemas/config.schema.json as an editor uses it: a third-party JSON Schema validator (Debian's
python3-jsonschema, as VS Code's YAML extension would) accepts every example config, and catches the mistakes
sysadmins make most inside connector sections, where the hub's own schema used to stop."""
import copy
import pathlib
import sys

import jsonschema
import yaml

root = pathlib.Path(sys.argv[1])
schema = __import__("json").loads((root / "schemas/config.schema.json").read_text())
validator = jsonschema.Draft202012Validator(schema)
failures = []


def errors(config):
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(config)]


examples = sorted((root / "config").glob("*.yaml"))
configs = {}
for path in examples:
    document = yaml.safe_load(path.read_text())
    if not isinstance(document, dict) or not ({"hub", "connectors", "organisations"} & document.keys()):
        continue  # demo-book.yaml is the local book's seed, not a config
    configs[path.name] = document
    found = errors(document)
    if found:
        failures.append(f"{path.name} does not pass the published schema: {found}")

emis = configs["practice-emis.yaml"]

typo = copy.deepcopy(emis)
typo["connectors"]["book"]["config"]["pasword"] = typo["connectors"]["book"]["config"].pop("password")
found = errors(typo)
if not any("connectors/book/config" in e and "pasword" in e for e in found):
    failures.append(f"a misspelt key in an emis-xml section is not caught: {found}")
if not any("connectors/book/config" in e and "password" in e for e in found):
    failures.append(f"a missing required key of an emis-xml section is not caught: {found}")

unknown = copy.deepcopy(emis)
unknown["connectors"]["book"]["plugin"] = "emis-xm"
found = errors(unknown)
if not any("connectors/book/plugin" in e for e in found):
    failures.append(f"an unknown plugin name is not caught: {found}")

wrong_type = copy.deepcopy(emis)
wrong_type["connectors"]["book"]["config"]["connect_timeout_ms"] = "soon"
if not any("connect_timeout_ms" in e for e in errors(wrong_type)):
    failures.append("a text where an emis-xml section wants a number is not caught")

bad_url = copy.deepcopy(emis)
bad_url["connectors"]["book"]["config"]["base_url"] = "emis.example.test"
if not any("base_url" in e for e in errors(bad_url)):
    failures.append("a base_url that is not a URL is not caught (only ${...} may stand in for one)")

print(f"{len(configs)} example configs checked against schemas/config.schema.json; "
      f"{len(schema['$defs']['connector']['allOf'])} plugins' sections in it")
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
