#!/usr/bin/env bash
# Installs Debian's non-free libnvrtc11.2 (CUDA 11.8 NVRTC): it compiles the kernels to PTX without a GPU.
# Idempotent; needs root. Adds the contrib and non-free components to apt's sources (deb822 or classic format).
set -euo pipefail
if ldconfig -p 2>/dev/null | grep -q 'libnvrtc\.so\.11\.2'; then exit 0; fi
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  sed -i -E '/^Components:/{/non-free( |$)/!s/$/ contrib non-free/}' /etc/apt/sources.list.d/debian.sources
fi
if [ -f /etc/apt/sources.list ] && grep -qE '^deb ' /etc/apt/sources.list; then
  sed -i -E '/^deb /{/non-free( |$)/!s/$/ contrib non-free/}' /etc/apt/sources.list
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq libnvrtc11.2 >/dev/null
ldconfig
