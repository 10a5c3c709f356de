#!/usr/bin/env bash
# Vendors every resource type of the CloudFormation registry (one region's) for the `resource`
# block: macros/core/registry/schemas.bin, read by macros/core/src/registry.rs. The schemas
# come from the installed cfn-lint's package data, like vendor-schemas.sh's.
#
# The archive is one file the macro embeds; it decompresses only the entries a program uses:
#
#   pipewright-registry 1\n
#   <source line: cfn-lint version and region>\n
#   one line per type, sorted: <TypeName> <offset> <length>\n
#   \n
#   the entries, each a raw DEFLATE stream (offset and length relative to the end of the
#   blank line) of the type's schema as minified JSON, without its descriptions and
#   comments, plus two keys of pipewright's: "x-getatts" (the attributes `Fn::GetAtt`
#   accepts, as cfn-lint lists them) and "x-stateful" (true when cfn-lint's
#   StatefulResources list has the type).
#
# Usage: runtime/codegen/vendor-registry.sh [REGION]   (default us-east-1)
set -euo pipefail
cd "$(dirname "$0")/../.."

REGION="${1:-us-east-1}"
# Not from cfn-lint's own directory: Python would import its modules by their bare names.
python3 - "$REGION" "$PWD/macros/core/registry/schemas.bin" <<'PY'
import importlib, json, os, sys, zlib
from importlib.metadata import version

import cfnlint
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

region, target = sys.argv[1], sys.argv[2]
root = os.path.dirname(cfnlint.__file__)
providers = importlib.import_module(
    "cfnlint.data.schemas.providers." + region.replace("-", "_")
).types
with open(os.path.join(root, "data", "AdditionalSpecs", "StatefulResources.json")) as f:
    stateful = set(json.load(f)["ResourceTypes"])

PROSE = ("description", "$comment", "examples", "sourceUrl", "documentationUrl")

def strip(node, parent=None):
    """The schema without prose; a property named like a prose key stays."""
    if isinstance(node, dict):
        return {
            k: strip(v, k)
            for k, v in node.items()
            if not (k in PROSE and parent not in ("properties", "definitions", "patternProperties"))
        }
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node

index, blobs, offset = [], [], 0
for type_name in sorted(providers):
    with open(os.path.join(root, "data", "schemas", "resources", providers[type_name] + ".json")) as f:
        schema = strip(json.load(f))
    getatts = PROVIDER_SCHEMA_MANAGER.get_type_getatts(type_name, region)
    schema["x-getatts"] = [k.replace("\\", "") for k in getatts.keys()]
    schema["x-stateful"] = type_name in stateful
    text = json.dumps(schema, separators=(",", ":"), ensure_ascii=False).encode()
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    blob = deflate.compress(text) + deflate.flush()
    index.append(f"{type_name} {offset} {len(blob)}\n")
    blobs.append(blob)
    offset += len(blob)

header = f"pipewright-registry 1\ncfn-lint {version('cfn-lint')}, region {region}\n" + "".join(index) + "\n"
with open(target, "wb") as f:
    f.write(header.encode())
    f.write(b"".join(blobs))
print(f"{len(index)} types, {offset + len(header)} bytes -> {target}")
PY
