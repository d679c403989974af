#!/usr/bin/env bash
# Builds the Debian package (installs to /usr; models are then looked up in
# /usr/share/restora/models after ~/.local/share/restora/models). Output: build-deb/restora_*.deb
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RESTORA_BUILD_DIR="$root/build-deb" RESTORA_BUILD_TYPE=Release bash -c "source '$root/scripts/setup.sh'" >/dev/null
cmake -S "$root" -B "$root/build-deb" -DCMAKE_INSTALL_PREFIX=/usr -DRESTORA_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build-deb"
(cd "$root/build-deb" && cpack -G DEB)
ls -la "$root"/build-deb/*.deb
