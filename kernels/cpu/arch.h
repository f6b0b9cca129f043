// What each architecture folder provides to kernels/cpu/select.cc. Exactly one implementation is
// linked: kernels/x86/config.cc, kernels/arm64/config.cc or kernels/cpu/portable_config.cc
// (kernels/CMakeLists.txt picks it from CMAKE_SYSTEM_PROCESSOR), so select.cc has no #if.
#ifndef AXLE_KERNELS_CPU_ARCH_H_
#define AXLE_KERNELS_CPU_ARCH_H_

#include "kernels/cpu/cpu_kernels.h"

namespace axle::cpu::arch {

// "x86_64", "aarch64" or "portable".
const char* Name();
// Fills out[0, n) with every variant the build holds, best first (available or not, `missing`
// naming what the host lacks) and returns n <= kMaxVariants.
int FillVariants(Kernels out[kMaxVariants]);
// Whether the host has a feature, spelled as /proc/cpuinfo spells it on this architecture.
bool HostHasFeature(const char* feature);

}  // namespace axle::cpu::arch

#endif  // AXLE_KERNELS_CPU_ARCH_H_
