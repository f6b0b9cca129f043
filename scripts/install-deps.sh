#!/usr/bin/env bash
# Installs everything Axle needs on a fresh Debian 12 machine, idempotently:
# the Debian packages named in DEVELOPERS.md and a git-ignored Python venv (.venv/)
# with the test tooling (onnx, onnxruntime, numpy). Fast (< 1 s) when all is present.
#
#   scripts/install-deps.sh           what `make build` / `make test` need
#   scripts/install-deps.sh --bench   also .venv-bench/: torch, torchvision, transformers (to
#                                     export the benchmark models) and openvino (the CPU peer),
#                                     ~3 GB from PyPI; never in CI (`make bench-models` uses it)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"

debian_packages=(
  build-essential cmake ninja-build pkg-config python3-venv
  libmlir-19-dev mlir-19-tools llvm-19-dev llvm-19-tools
  libdnnl-dev
  libflatbuffers-dev flatbuffers-compiler
  libonnx-dev libonnx-testdata libprotobuf-dev protobuf-compiler
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-19 libclang-rt-19-dev
  g++-aarch64-linux-gnu qemu-user
)
# The AArch64 cross build's test libraries (Debian multiarch), and XNNPACK for arm64, whose
# microkernels docs/kernels-arm64.md analyses beside Axle's (never linked).
arm64_packages=(libgtest-dev:arm64 libgmock-dev:arm64 libbenchmark-dev:arm64 libxnnpack0:arm64)
python_packages=(numpy==2.4.6 onnx==1.23.2 onnxruntime==1.32.0)

missing=()
for p in "${debian_packages[@]}" "${arm64_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    "${sudo_cmd[@]}" dpkg --add-architecture arm64
  fi
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

bench=0
[ "${1:-}" = "--bench" ] && bench=1

stamp="$venv/.axle-deps"
want="${python_packages[*]}"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "install-deps: creating Python venv at $venv with: $want"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "${python_packages[@]}"
  echo "$want" > "$stamp"
fi

if [ "$bench" = 1 ]; then
  bench_venv="$root/.venv-bench"
  bench_packages=("${python_packages[@]}" torch torchvision transformers onnxscript openvino)
  bench_want="${bench_packages[*]}"
  if [ ! -f "$bench_venv/.axle-deps" ] || [ "$(cat "$bench_venv/.axle-deps")" != "$bench_want" ]; then
    echo "install-deps: creating the benchmark venv at $bench_venv with: $bench_want"
    python3 -m venv "$bench_venv"
    "$bench_venv/bin/python" -m pip install -q --disable-pip-version-check "${bench_packages[@]}"
    echo "$bench_want" > "$bench_venv/.axle-deps"
  fi
fi
