// The architecture config of a build without optimized kernels (an architecture Axle has no
// folder for, or AXLE_X86_ISA=scalar / AXLE_ARM64_ISA=scalar): no variant, the reference kernels.
#include "kernels/cpu/arch.h"

namespace axle::cpu::arch {

const char* Name() { return "portable"; }
int FillVariants(Kernels[kMaxVariants]) { return 0; }
bool HostHasFeature(const char*) { return false; }

}  // namespace axle::cpu::arch
