#!/usr/bin/env bash
# The CUDA kernels' resources as ptxas reports them (no GPU needed): every kernel within
# 32 registers a thread (a block is 1024 threads; two blocks an SM), no spills and no
# local memory (a stack frame).
#   ptxas_check.sh NVCC GPU_ARCH KERNELS.CU INCLUDE_DIR...
# Exit 77 (skipped) without nvcc.
set -u
nvcc=$1 arch=$2 src=$3
shift 3
if ! command -v "$nvcc" >/dev/null 2>&1; then
  echo "skipped: no nvcc"
  exit 77
fi
# every kernel declares its block size: without bounds, nvcc may use registers that a
# block of 1024 threads cannot have, and the launch fails on the GPU
# (the kernels live in the headers beside the .cu file: kernels.cuh)
sources=("$src" "$(dirname "$src")"/*.cuh)
kernels_in_source=$(cat "${sources[@]}" | grep -c '__global__ void')
bounded=$(cat "${sources[@]}" | grep -c '__global__ void __launch_bounds__')
if [ "$kernels_in_source" -ne "$bounded" ]; then
  echo "FAIL: $((kernels_in_source - bounded)) of $kernels_in_source kernels have no __launch_bounds__"
  exit 1
fi
includes=()
for d in "$@"; do includes+=(-I "$d"); done
out=$(mktemp)
trap 'rm -f "$out" "$out.o"' EXIT
if ! "$nvcc" -arch="$arch" "${includes[@]}" --resource-usage -c "$src" -o "$out.o" >"$out" 2>&1; then
  cat "$out"
  exit 1
fi
fail=0 kernels=0
while read -r line; do
  case "$line" in
    *"Compiling entry function"*) name=$(sed -E "s/.*function '([^']*)'.*/\1/" <<<"$line") ;;
    *"bytes spill stores"*)
      if ! grep -q "0 bytes spill stores, 0 bytes spill loads" <<<"$line"; then echo "FAIL: $name spills: $line"; fail=1; fi
      # a stack frame is local memory: an array (or struct) indexed by a value kept per thread
      if ! grep -q "^0 bytes stack frame" <<<"$line"; then echo "FAIL: $name uses local memory: $line"; fail=1; fi ;;
    *"Used "*" registers"*)
      kernels=$((kernels + 1))
      regs=$(sed -E 's/.*Used ([0-9]+) registers.*/\1/' <<<"$line")
      echo "$name: $regs registers"
      if [ "$regs" -gt 32 ]; then echo "FAIL: $name uses $regs registers (at most 32)"; fail=1; fi ;;
  esac
done <"$out"
[ $kernels -gt 0 ] || { echo "FAIL: ptxas reported no kernel"; fail=1; }
[ $fail -eq 0 ] && echo "ptxas: $kernels kernels for $arch, each within 32 registers, no spills, no local memory"
exit $fail
