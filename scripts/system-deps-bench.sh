#!/usr/bin/env bash
# Debian packages only the benchmarks need (reference tools run beside ClearPost).
# mat2: metadata removal tool compared against `clearpost scrub` in bench/scrub.py.
set -euo pipefail
need=()
command -v mat2 >/dev/null || need+=(mat2)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "Missing Debian packages: ${need[*]}. Install them with: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
