#!/usr/bin/env bash
# The first GPU session, in one go of at most 8 minutes, on a machine with the CUDA 13 toolkit and driver and PyTorch
# (no .NET): run tools/gpu/prepare.sh here first and carry .gpu-kit/ (device tool: carry [".gpu-kit"]). Measures, in
# this order (a step that would overrun the budget is skipped and says so): nvidia-smi and the toolchain; mrvs kernels
# compile and report for the GPU's architecture; mrvs kernels check of linear and feed_forward (cuBLASLt's GEMM
# epilogues against the CPU); mrvs verify of every carried fixture on --backend cuda in fp32, fp16 and bf16; mrvs
# bench of SOC++ Swin-B 8x360x640 in fp32 and bf16, with CUDA graph replay and eager;
# compute-sanitizer memcheck and racecheck on one fixture; the official PyTorch forward at the same shapes
# (tools/gpu/torch_reference.py) when .gpu-kit/upstream holds a checkout; verify with NVRTC's --fmad=false.
# Writes three files into $OUT (or gpu-results/<time>/): summary.txt (every step's status and its key line),
# check.log (everything printed), results.tar.gz (each step's full output, kernels-report.json).
# usage: tools/gpu/check.sh [--dry-run]
#   --dry-run  here, without a GPU: --backend cuda-emu, one small fixture, a small model for the benches, no
#              nvidia-smi or compute-sanitizer, ten times the time limits (the emulation is slow); checks this script
#              end to end (needs tools/ci/build-kernels-emu.sh).
set -uo pipefail
cd "$(dirname "$0")/../.."

dry=0
case "${1:-}" in
  --dry-run) dry=1 ;;
  "") ;;
  *) sed -n '2,14p' "$0"; exit 2 ;;
esac
kit=.gpu-kit
mrvs=$kit/bin/mrvs
out=${OUT:-gpu-results/$(date -u +%Y%m%d-%H%M%S)}
budget=${CHECK_BUDGET_S:-465}
scale=1
[ -x "$mrvs" ] || { echo "check: $mrvs not found: run tools/gpu/prepare.sh first (and carry .gpu-kit)" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/results" "$work/fixtures"
exec > >(tee "$out/check.log") 2>&1
summary=$out/summary.txt
start=$SECONDS

if [ $dry -eq 1 ]; then
  backend=cuda-emu
  scale=10
  budget=$(( budget * scale ))
  export MRVS_KERNELS_EMU=${MRVS_KERNELS_EMU:-$PWD/build/emu/libmrvs_kernels_emu.so}
  [ -f "$MRVS_KERNELS_EMU" ] || { echo "check: $MRVS_KERNELS_EMU missing: run tools/ci/build-kernels-emu.sh" >&2; exit 2; }
  fixtures=$(ls "$kit/fixtures" | sed -n 's/\.tar\.gz$//p' | grep -x soc-tiny-t10 || ls "$kit/fixtures" | sed -n '1s/\.tar\.gz$//p')
  bench_model=(--variant socpp-a2d-swin-t --frames 1 --size 32x32 --runs 1 --warmup 1)
  torch_shape=(--frames 2 --size 64x96)
  arch=sm_90
else
  backend=cuda
  fixtures=$(ls "$kit/fixtures" | sed -n 's/\.tar\.gz$//p')
  bench_model=(--variant socpp-ytvos-swin-b --frames 8 --size 360x640 --runs 5 --warmup 2)
  torch_shape=(--frames 8 --size 360x640)
  cap=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -n 1 | tr -d ' .')
  arch=sm_${cap:-90}
fi
echo "check: $(cat "$kit/MANIFEST" | tr '\n' ';') backend $backend, arch $arch, budget ${budget}s, results in $out"
printf '%-34s %-10s %6s  %s\n' step status seconds "key line" > "$summary"

# step NAME TIMEOUT_S KEY_PATTERN COMMAND...: runs COMMAND into results/NAME.txt within its timeout and what is left
# of the budget; records its status and the last line matching KEY_PATTERN.
step() {
  local name=$1 limit=$(( $2 * scale )) key=$3
  shift 3
  local left=$(( budget - (SECONDS - start) ))
  [ "$left" -lt "$limit" ] && limit=$left
  if [ "$limit" -lt 5 ]; then
    printf '%-34s %-10s %6s  %s\n' "$name" skipped 0 "the ${budget}s budget is spent" >> "$summary"
    return
  fi
  echo "=== $name: $*"
  local t0=$SECONDS rc status
  timeout --kill-after=5 "$limit" "$@" > "$work/results/$name.txt" 2>&1
  rc=$?
  cat "$work/results/$name.txt"
  case $rc in
    0) status=ok ;;
    124|137) status=timeout ;;
    *) status="FAIL($rc)" ;;
  esac
  local line
  line=$(grep -E "$key" "$work/results/$name.txt" | tail -n 1 | cut -c1-200)
  printf '%-34s %-10s %6s  %s\n' "$name" "$status" $(( SECONDS - t0 )) "$line" >> "$summary"
}

skipped() { printf '%-34s %-10s %6s  %s\n' "$1" skipped 0 "$2" >> "$summary"; }

if [ $dry -eq 1 ]; then
  skipped nvidia-smi "dry run"
else
  step nvidia-smi 20 "NVIDIA-SMI|MiB" bash -c 'nvidia-smi; nvidia-smi --query-gpu=name,compute_cap,driver_version,memory.total,clocks.max.sm,clocks.max.mem,power.limit --format=csv'
fi
step toolchain 30 "release|torch|nvrtc" bash -c "uname -a; (nvcc --version || true); (compute-sanitizer --version || true); \
  (python3 -c 'import torch; print(\"torch\", torch.__version__, \"cuda\", torch.version.cuda)' || true); \
  (ldconfig -p | grep -E 'libnvrtc|libcublas|libcuda\.so' || true)"
for f in $fixtures; do tar -C "$work/fixtures" -xzf "$kit/fixtures/$f.tar.gz"; done

step kernels-compile 120 "bytes" "$mrvs" kernels compile --arch "$arch"
# The report knows the per-SM limits of sm_80, sm_86, sm_89 and sm_90; other GPUs get Hopper's.
case $arch in sm_80|sm_86|sm_89|sm_90) report_arch=$arch ;; *) report_arch=sm_90 ;; esac
step kernels-report 120 "entry points" "$mrvs" kernels report --arch "$report_arch"
"$mrvs" kernels report --arch "$report_arch" --json > "$work/results/kernels-report.json" 2>&1 || true
# The GEMM epilogues (cuBLASLt: bias, ReLU, residual) of every Linear and feed-forward form, against the CPU.
step kernels-check-linear 60 "kernels check:" bash -c "'$mrvs' kernels check linear --backend $backend && \
  '$mrvs' kernels check feed_forward --backend $backend"

for precision in fp32 fp16 bf16; do
  for f in $fixtures; do
    step "verify-$f-$precision" 60 "^verify:" "$mrvs" verify "$work/fixtures/$f" --backend $backend --precision $precision
  done
done

for precision in fp32 bf16; do
  step "bench-$precision-graph" 120 "^forward" "$mrvs" bench "${bench_model[@]}" --backend $backend --precision $precision
  step "bench-$precision-eager" 120 "^forward" "$mrvs" bench "${bench_model[@]}" --backend $backend --precision $precision --graphs false
done

one=$(echo "$fixtures" | grep -x socpp-tiny || echo "$fixtures" | head -n 1)
if [ $dry -eq 1 ] || ! command -v compute-sanitizer > /dev/null; then
  skipped sanitizer "$([ $dry -eq 1 ] && echo 'dry run' || echo 'compute-sanitizer not on PATH')"
else
  for tool in memcheck racecheck; do
    step "sanitizer-$tool-$one" 120 "ERROR SUMMARY|verify:" compute-sanitizer --tool $tool --error-exitcode 3 \
      "$mrvs" verify "$work/fixtures/$one" --backend $backend
  done
fi
if [ -f "$kit/upstream/models/soc.py" ]; then
  for precision in fp32 bf16; do
    step "torch-$precision" 150 "^torch:" python3 tools/gpu/torch_reference.py --upstream "$kit/upstream" "${torch_shape[@]}" --precision $precision
  done
else
  skipped torch "no upstream checkout in $kit/upstream (tools/gpu/prepare.sh --upstream DIR)"
fi

step "verify-$one-fp32-nofmad" 60 "^verify:" "$mrvs" verify "$work/fixtures/$one" --backend $backend --fmad false

tar -C "$work/results" -czf "$out/results.tar.gz" .
echo "check: done in $(( SECONDS - start ))s"
echo "check: done in $(( SECONDS - start ))s; results: summary.txt, check.log, results.tar.gz" >> "$summary"
cat "$summary"
