# Cross-compiling the runtime for AArch64 Linux with Debian's g++-aarch64-linux-gnu:
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
#         -DAXLE_RUNTIME_ONLY=ON   (what `make arm64` does)
# Tests run through qemu-aarch64 (CMAKE_CROSSCOMPILING_EMULATOR), so ctest and
# gtest_discover_tests work unchanged. AXLE_QEMU_CPU picks the emulated core: neoverse-n1 stands
# in for Cortex-A78AE (NEON, dotprod, fp16; no i8mm), "max,sve128=on" for A720AE / V3AE (adds
# i8mm, bf16, SVE2 at 128 bits). The emulator reads it at run time from the environment
# (AXLE_QEMU_CPU), so one build is tested under both (scripts/qemu-aarch64.sh).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu)
# Programs (flatc) from the build machine; libraries (gtest, benchmark) from the arm64 multiarch
# packages; headers from both (flatbuffers is header-only and the same for every arch).
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
get_filename_component(_axle_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(CMAKE_CROSSCOMPILING_EMULATOR "${_axle_root}/scripts/qemu-aarch64.sh")
