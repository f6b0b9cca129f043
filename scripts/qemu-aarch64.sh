#!/usr/bin/env bash
# Runs an AArch64 binary of build-arm64/ under qemu-aarch64 (the cross build's
# CMAKE_CROSSCOMPILING_EMULATOR). AXLE_QEMU_CPU chooses the emulated CPU (default neoverse-n1,
# the Cortex-A78AE stand-in: NEON, dotprod, fp16, no i8mm); "max,sve128=on" stands in for
# Cortex-A720AE / Neoverse-V3AE (adds i8mm, bf16, 128-bit SVE2). Plain "max" would emulate 512-bit
# SVE, which no automotive core has.
#
# The loader prefix is / (Debian's multiarch libc6:arm64, which the arm64 GoogleTest packages
# pull in), not /usr/aarch64-linux-gnu: there ld.so is the cross toolchain's but the library
# search still reaches /lib/aarch64-linux-gnu, and that mismatched ld.so + libc pair hangs in the
# first pthread_create.
set -euo pipefail
exec qemu-aarch64 -L / -cpu "${AXLE_QEMU_CPU:-neoverse-n1}" "$@"
