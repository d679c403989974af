#!/bin/sh
# Ships a shadow-removal checkpoint: copies RUN/checkpoint-f16.rsw (fp16 storage) to
# models/weights/shadow-fusion-v1.rsw and writes its size, parameter count and sha256 into
# models/weights/manifest.json.   usage: scripts/install_shadow_weights.sh RUN_DIR "SOURCE TEXT"
set -eu
run=$1
source_text=$2
root=$(cd "$(dirname "$0")/.." && pwd)
cp "$run/checkpoint-f16.rsw" "$root/models/weights/shadow-fusion-v1.rsw"
sha=$(sha256sum "$root/models/weights/shadow-fusion-v1.rsw" | cut -d' ' -f1)
python3 - "$root/models/weights/manifest.json" "$sha" "$source_text" <<'PY'
import json, sys
path, sha, source = sys.argv[1], sys.argv[2], sys.argv[3]
m = json.load(open(path))
entry = {
    "id": "shadow-fusion-v1",
    "task": "remove-shadow",
    "source": source,
    "licence": "MIT (weights trained by Restora on Debian-packaged CC-BY-SA/CC-BY/CC0/GPL photos, docs/DATA.md; initialised from inpaint-ffc-v1)",
    "parameters": 2952711,
    "input_range": "[0,1]",
    "scale": 1,
    "multiple": 4,
    "file": "shadow-fusion-v1.rsw",
    "sha256": sha,
}
m["models"] = [e for e in m["models"] if e["id"] != entry["id"]] + [entry]
with open(path + ".tmp", "w") as f:
    json.dump(m, f, indent=2)
    f.write("\n")
import os
os.replace(path + ".tmp", path)
PY
echo "installed shadow-fusion-v1 ($sha)"
