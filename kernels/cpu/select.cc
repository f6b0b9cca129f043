// The host's kernel table: the best available variant of kernels/cpu/arch.h's list, chosen once.
#include <cstdlib>
#include <cstring>

#include "kernels/cpu/arch.h"

namespace axle::cpu {
namespace {

Kernels Choose() {
  Kernels none;  // the reference kernels only
  none.available = true;
  const char* force = std::getenv("AXLE_FORCE_REFERENCE");
  if (force && std::strcmp(force, "0") != 0) return none;
  Kernels all[kMaxVariants];
  const int n = Variants(all);
  // A pin the host cannot run, or that names no variant of this build, is ignored: the variant
  // in use is what `axle inspect` and `axle-run --version` print.
  const char* pin = std::getenv("AXLE_CPU_VARIANT");
  if (pin && *pin)
    for (int i = 0; i < n; ++i)
      if (all[i].available && std::strcmp(all[i].isa, pin) == 0) return all[i];
  for (int i = 0; i < n; ++i)
    if (all[i].available) return all[i];
  return none;
}

}  // namespace

int Variants(Kernels out[kMaxVariants]) { return arch::FillVariants(out); }

const Kernels& HostKernels() {
  static const Kernels kernels = Choose();  // C++11 guarantees thread-safe initialization
  return kernels;
}

const char* Arch() { return arch::Name(); }

bool HostHasFeature(const char* feature) { return arch::HostHasFeature(feature); }

}  // namespace axle::cpu
