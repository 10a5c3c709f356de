#!/usr/bin/env python3
"""Compares the attribute lists of runtime/src/cfn/resources/mod.rs (`attribute_names`)
with the installed cfn-lint's own (`get_type_getatts`), type by type.

Usage: python3 runtime/codegen/check-getatts.py [REGION]   (default us-east-1)
Exits 1 when a list differs (names or order). Needs cfn-lint (`python3 -m pip install cfn-lint`);
the vendored schemas come from cfn-lint 1.51.0, see schemas/README.md.
"""

import os
import re
import sys

from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

region = sys.argv[1] if len(sys.argv) > 1 else "us-east-1"
mod_rs = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "cfn", "resources", "mod.rs")
with open(mod_rs) as f:
    source = f.read()

arms = re.findall(r'"(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)" =>\s*\{?\s*Some\(\s*&\[(.*?)\]', source, re.S)
if not arms:
    sys.exit(f"no attribute_names arms found in {mod_rs}")
failures = 0
for type_name, names in arms:
    ours = re.findall(r'"([^"]*)"', names)
    theirs = [k.replace("\\", "") for k in PROVIDER_SCHEMA_MANAGER.get_type_getatts(type_name, region).keys()]
    status = "ok" if ours == theirs else "DIFFERS"
    failures += ours != theirs
    print(f"{status:8} {type_name}: {len(ours)} attributes" + ("" if ours == theirs else f"\n  ours:     {ours}\n  cfn-lint: {theirs}"))
print(f"{len(arms) - failures} of {len(arms)} types agree with cfn-lint")
sys.exit(1 if failures else 0)
