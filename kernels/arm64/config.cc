// The AArch64 variants: which microkernels make up each table, and the getauxval checks. The
// AXLE_ARM64_* macros say which extensions this build compiled (kernels/CMakeLists.txt).
//   neon+dotprod+i8mm  Armv8.6+ cores with I8MM (Cortex-A720AE, Neoverse-V3AE): USMMLA int8 GEMM
//   neon+dotprod       Armv8.2 cores with DotProd (Cortex-A78AE): SDOT int8 GEMM
//   neon               any AArch64 core: f32 kernels only (int8 GEMM on the reference kernel)
#include <sys/auxv.h>

#include <cstring>

#include "kernels/arm64/arm64_kernels.h"
#include "kernels/cpu/arch.h"

// The hwcap bits (linux/arch/arm64/include/uapi/asm/hwcap.h), for headers that predate them.
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1UL << 1)
#endif
#ifndef HWCAP_FPHP
#define HWCAP_FPHP (1UL << 9)
#endif
#ifndef HWCAP_ASIMDHP
#define HWCAP_ASIMDHP (1UL << 10)
#endif
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1UL << 20)
#endif
#ifndef HWCAP_SVE
#define HWCAP_SVE (1UL << 22)
#endif
#ifndef HWCAP2_SVE2
#define HWCAP2_SVE2 (1UL << 1)
#endif
#ifndef HWCAP2_I8MM
#define HWCAP2_I8MM (1UL << 13)
#endif
#ifndef HWCAP2_BF16
#define HWCAP2_BF16 (1UL << 14)
#endif

namespace axle::cpu::arch {
namespace {

bool Has(unsigned long bit) { return (getauxval(AT_HWCAP) & bit) != 0; }
bool Has2(unsigned long bit) { return (getauxval(AT_HWCAP2) & bit) != 0; }

[[maybe_unused]] Kernels NeonTable() {
  Kernels k;
  k.isa = "neon";
  k.available = Has(HWCAP_ASIMD);
  k.missing = "asimd";
#if defined(AXLE_ARM64_NEON)
  k.gemm_mr = 4;
  k.gemm_nr = 16;
  k.f32_gemm = &arm64::axle_f32_gemm_ukernel_4x16__neonfma;
  k.f32_attention = &arm64::axle_f32_attention__neon;
  k.f32_depthwise = &arm64::axle_f32_dwconv__neon;
  k.f32_vmath = &arm64::axle_f32_vmath__neon;
  k.f32_layernorm = &arm64::axle_f32_layernorm__neon;
  k.quantize_u8 = &arm64::axle_quantize_u8__neon;
  k.f32_gemv_w8 = &arm64::axle_f32_gemv_w8__neon;
  k.f32_gemv_w4 = &arm64::axle_f32_gemv_w4__neon;
#endif
  k.s8_mr = 4;
  k.s8_nr = 16;
  return k;
}

}  // namespace

const char* Name() { return "aarch64"; }

int FillVariants(Kernels out[kMaxVariants]) {
  int n = 0;
#if defined(AXLE_ARM64_I8MM)
  Kernels i8mm = NeonTable();
  i8mm.isa = "neon+dotprod+i8mm";
  i8mm.missing = "i8mm";
  i8mm.available = i8mm.available && Has(HWCAP_ASIMDDP) && Has2(HWCAP2_I8MM);
  i8mm.s8_gemm = &arm64::axle_s8_gemm_ukernel_4x16c4__neoni8mm;
  i8mm.s8_gemm_c8 = &arm64::axle_s8_gemm_ukernel_4x16c8__neoni8mm;
  out[n++] = i8mm;
#endif
#if defined(AXLE_ARM64_DOTPROD)
  Kernels dot = NeonTable();
  dot.isa = "neon+dotprod";
  dot.missing = "asimddp";
  dot.available = dot.available && Has(HWCAP_ASIMDDP);
  dot.s8_gemm = &arm64::axle_s8_gemm_ukernel_4x16c4__neondot;
  out[n++] = dot;
#endif
#if defined(AXLE_ARM64_NEON)
  out[n++] = NeonTable();
#endif
  return n;
}

bool HostHasFeature(const char* f) {
  // /proc/cpuinfo spellings (the kernel's hwcap names).
  if (!std::strcmp(f, "asimd")) return Has(HWCAP_ASIMD);
  if (!std::strcmp(f, "fphp")) return Has(HWCAP_FPHP);
  if (!std::strcmp(f, "asimdhp")) return Has(HWCAP_ASIMDHP);
  if (!std::strcmp(f, "asimddp")) return Has(HWCAP_ASIMDDP);
  if (!std::strcmp(f, "sve")) return Has(HWCAP_SVE);
  if (!std::strcmp(f, "sve2")) return Has2(HWCAP2_SVE2);
  if (!std::strcmp(f, "i8mm")) return Has2(HWCAP2_I8MM);
  if (!std::strcmp(f, "bf16")) return Has2(HWCAP2_BF16);
  return false;
}

}  // namespace axle::cpu::arch
