#!/usr/bin/env bash
# The project's test command (README, .ci/run): builds the kernel emulation library, runs the NUnit suite, and prints
# one closing line "N passed, N failed, N skipped".
#   tools/test.sh          the full suite and `dotnet format --verify-no-changes` (what CI runs; the format check
#                          counts as one test in the closing line)
#   tools/test.sh --fast   the inner loop: leaves out the EndToEnd, Long and Fuzz categories
#                          (tests/MRVS.Tests/Support/TestCategory.cs)
# Extra arguments go to dotnet test (e.g. --filter "FullyQualifiedName~Masks").
set -uo pipefail
cd "$(dirname "$0")/.."

filter=()
fast=""
if [ "${1:-}" = "--fast" ]; then
  shift
  fast=1
  filter=(--filter "TestCategory!=EndToEnd&TestCategory!=Long&TestCategory!=Fuzz")
fi

# Without the emulation library every cuda-emu test would only be skipped: that is a failure, not a pass.
if ! command -v cmake >/dev/null 2>&1 || ! command -v g++ >/dev/null 2>&1; then
  echo "tools/test.sh: cmake and g++ are needed to build the kernel emulation (apt-get install cmake g++)"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
bash tools/ci/build-kernels-emu.sh || { echo "kernel emulation build failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

log=$(mktemp)
dotnet test tests/MRVS.Tests/MRVS.Tests.csproj -c Release --nologo "${filter[@]}" "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

# The build enforces the style rules set to warning; dotnet format also checks whitespace and the order of usings.
# It reads every project of the solution, so they are restored first (dotnet test restored only the tests' graph).
format_passed=0
format_failed=0
if [ -z "$fast" ]; then
  if dotnet restore MRVS.Native.sln >"$log.format" 2>&1 \
    && dotnet format MRVS.Native.sln --verify-no-changes --no-restore >>"$log.format" 2>&1; then
    format_passed=1
  else
    format_failed=1
    echo "dotnet format --verify-no-changes found changes to make (run: dotnet format MRVS.Native.sln):"
    head -n 20 "$log.format"
  fi
  rm -f "$log.format"
fi

summary=$(grep -E '(Passed|Failed)!' "$log" | tail -n 1)
passed=$(sed -nE 's/.*Passed: *([0-9]+).*/\1/p' <<<"$summary")
failed=$(sed -nE 's/.*Failed: *([0-9]+),.*/\1/p' <<<"$summary")
skipped=$(sed -nE 's/.*Skipped: *([0-9]+).*/\1/p' <<<"$summary")
rm -f "$log"
if [ -z "$passed" ]; then
  echo "test run did not complete (exit $rc)"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
[ "$rc" -ne 0 ] && [ "${failed:-0}" -eq 0 ] && failed=1
passed=$((passed + format_passed))
failed=$((${failed:-0} + format_failed))
echo "${passed} passed, ${failed:-0} failed, ${skipped:-0} skipped"
[ "${failed:-0}" -eq 0 ]
