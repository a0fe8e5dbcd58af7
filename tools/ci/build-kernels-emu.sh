#!/usr/bin/env bash
# Builds build/emu/libmrvs_kernels_emu.so (the CPU emulation of kernels/*.cu) with cmake and the host C++ compiler.
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake -S . -B build/emu -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/emu -j2 >/dev/null
