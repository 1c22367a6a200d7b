#!/usr/bin/env bash
# Installs the Debian packages ClearPost needs, only when something is missing.
# exiftool: independent metadata reader for verification; ffmpeg: video remux/encode;
# chromium: browser tests; libgl1/libglib2.0-0: OpenCV's shared libraries;
# fonts-dejavu-core: a Unicode font for the signed-authorization PDF.
set -euo pipefail
need=()
command -v exiftool >/dev/null || need+=(libimage-exiftool-perl)
command -v ffmpeg >/dev/null || need+=(ffmpeg)
command -v ffprobe >/dev/null || need+=(ffmpeg)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -e /usr/lib/x86_64-linux-gnu/libGL.so.1 ] || need+=(libgl1)
[ -e /usr/lib/x86_64-linux-gnu/libgthread-2.0.so.0 ] || need+=(libglib2.0-0)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "Missing Debian packages: ${need[*]}. Install them with: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
