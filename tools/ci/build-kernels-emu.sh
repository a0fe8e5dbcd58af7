#!/usr/bin/env bash
# Builds the CPU emulation of the CUDA kernels with cmake and the host C++ compiler (Release, -j2):
# build/emu/libmrvs_kernels_emu.so (kernels/*.cu) and build/emu/libmrvs_test_kernels_emu.so (tests/MRVS.Tests/Cuda/kernels/*.cu).
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake -S . -B build/emu -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/emu -j2 >/dev/null
