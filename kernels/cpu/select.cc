// The host's kernel table: the best available variant of kernels/cpu/arch.h's list, chosen once.
#include <cstdlib>
#include <cstring>

#include "kernels/cpu/arch.h"

namespace axle::cpu {
namespace {

const char* g_note = "";

Kernels Choose() {
  const char* force = std::getenv("AXLE_FORCE_REFERENCE");
  if (force && std::strcmp(force, "0") != 0) {
    g_note = "AXLE_FORCE_REFERENCE is set: every op runs its reference kernel";
    Kernels none;
    none.available = true;
    return none;
  }
  Kernels all[kMaxVariants];
  const int n = Variants(all);
  const char* pin = std::getenv("AXLE_CPU_VARIANT");
  if (pin && *pin) {
    for (int i = 0; i < n; ++i)
      if (std::strcmp(all[i].isa, pin) == 0) {
        if (all[i].available) {
          g_note = "pinned by AXLE_CPU_VARIANT";
          return all[i];
        }
        g_note = "AXLE_CPU_VARIANT names a variant this host cannot run; the best one is used";
      }
    if (!*g_note) g_note = "AXLE_CPU_VARIANT names no variant of this build; the best one is used";
  }
  for (int i = 0; i < n; ++i)
    if (all[i].available) return all[i];
  if (!*g_note) g_note = "the host has none of this build's kernel ISAs: reference kernels only";
  Kernels none;
  none.available = true;
  return none;
}

}  // namespace

int Variants(Kernels out[kMaxVariants]) { return arch::FillVariants(out); }

const Kernels& HostKernels() {
  static const Kernels kernels = Choose();  // C++11 guarantees thread-safe initialization
  return kernels;
}

const char* HostChoiceNote() {
  HostKernels();
  return g_note;
}

const char* Arch() { return arch::Name(); }

bool HostHasFeature(const char* feature) { return arch::HostHasFeature(feature); }

}  // namespace axle::cpu
