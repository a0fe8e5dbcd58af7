#!/usr/bin/env bash
# Builds, here (with the .NET SDK), what tools/gpu/check.sh needs on a GPU machine without .NET, into the git-ignored
# folder .gpu-kit/ (under 64 MiB, the most a device session carries):
#   bin/mrvs                  the NativeAOT CLI (linux-x64); the kernel sources are embedded in it
#   fixtures/<name>.tar.gz    model fixtures of ../shared/fixtures (the files mrvs verify reads), copied here only:
#                             never commit them
#   upstream/                 with --upstream DIR: the Python files of an official SOC++ checkout, for the PyTorch
#                             side-by-side (tools/gpu/torch_reference.py); never commit them either
#   MANIFEST                  the commit and the contents
# usage: tools/gpu/prepare.sh [--upstream DIR] [fixture ...]     (default: soc-tiny socpp-tiny soc-tiny-t10)
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1

kit=.gpu-kit
limit=$((64 * 1024 * 1024))
upstream=
fixtures=()
while [ $# -gt 0 ]; do
  case "$1" in
    --upstream) upstream=${2:?--upstream needs a directory}; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) fixtures+=("$1"); shift ;;
  esac
done
[ ${#fixtures[@]} -gt 0 ] || fixtures=(soc-tiny socpp-tiny soc-tiny-t10)
shared=../shared/fixtures
[ -d "$shared" ] || { echo "prepare: $shared not found (the golden fixtures sit beside the repository)" >&2; exit 2; }
git check-ignore -q "$kit/" || { echo "prepare: $kit is not git-ignored; refusing to copy fixtures into the tree" >&2; exit 2; }

rm -rf "$kit"
mkdir -p "$kit/bin" "$kit/fixtures"
echo "prepare: publishing the NativeAOT mrvs (a few minutes)"
publish=$(mktemp -d)
trap 'rm -rf "$publish"' EXIT
dotnet publish src/MRVS.Cli -c Release -r linux-x64 -p:PublishAot=true -o "$publish" > "$publish.log" 2>&1 \
  || { tail -n 30 "$publish.log" >&2; echo "prepare: dotnet publish failed" >&2; exit 1; }
rm -f "$publish.log"
cp "$publish/mrvs" "$kit/bin/mrvs"

for f in "${fixtures[@]}"; do
  for file in config.json weights.safetensors inputs.safetensors outputs.safetensors postprocess.safetensors; do
    [ -f "$shared/$f/$file" ] || { echo "prepare: $shared/$f/$file is missing (a model fixture has $file)" >&2; exit 2; }
  done
  tar -C "$shared" -cf - "$f/config.json" "$f/weights.safetensors" "$f/inputs.safetensors" "$f/outputs.safetensors" \
    "$f/postprocess.safetensors" | gzip -9 > "$kit/fixtures/$f.tar.gz"
done

if [ -n "$upstream" ]; then
  [ -f "$upstream/models/soc.py" ] || { echo "prepare: $upstream is not an SOC++ checkout (no models/soc.py)" >&2; exit 2; }
  mkdir -p "$kit/upstream"
  (cd "$upstream" && find . -name '*.py' -not -path './datasets/*' -not -path '*/build/*' -print0 | tar --null -T - -cf -) \
    | tar -C "$kit/upstream" -xf -
fi

{
  echo "commit $(git rev-parse HEAD)$(git diff --quiet HEAD || echo ' (with uncommitted changes)')"
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -m)"
  echo "fixtures ${fixtures[*]}"
  echo "upstream ${upstream:-none}"
} > "$kit/MANIFEST"
bytes=$(du -sb "$kit" | cut -f1)
echo "prepare: $kit holds $(( bytes / 1048576 )) MiB: bin/mrvs, ${#fixtures[@]} fixtures${upstream:+, upstream}"
[ "$bytes" -lt "$limit" ] || { echo "prepare: $kit exceeds 64 MiB; pass fewer fixtures" >&2; exit 1; }
