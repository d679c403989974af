#!/usr/bin/env python3
"""Adds or updates one committed weight file's entry in models/weights/manifest.json (sha256,
size limit check). Usage: scripts/ship_weights.py ID TASK PARAMETERS SCALE MULTIPLE "SOURCE" "LICENCE"
"""
import hashlib
import json
import os
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "weights")
ident, task, params, scale, multiple, source, licence = sys.argv[1:8]
path = os.path.join(root, ident + ".rsw")
size = os.path.getsize(path)
if size > 8 * 1024 * 1024:
    sys.exit(f"{path} is {size} bytes: committed weights must stay under 8 MiB")
sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
manifest_path = os.path.join(root, "manifest.json")
manifest = json.load(open(manifest_path))
entry = {"id": ident, "task": task, "source": source, "licence": licence, "parameters": int(params),
         "input_range": "[0,1]", "scale": int(scale), "multiple": int(multiple), "file": ident + ".rsw",
         "sha256": sha}
manifest["models"] = [m for m in manifest["models"] if m["id"] != ident] + [entry]
tmp = manifest_path + ".tmp"
with open(tmp, "w") as f:
    json.dump(manifest, f, indent=2)
    f.write("\n")
os.replace(tmp, manifest_path)
print(f"{ident}: {sha} ({size} bytes)")
