// The x86 variants: which microkernels make up each ISA's table, and the CPUID checks. The
// AXLE_X86_* macros say which ISAs this build compiled (kernels/CMakeLists.txt, AXLE_X86_ISA).
#include <cstring>

#include "kernels/cpu/arch.h"
#include "kernels/x86/x86_kernels.h"

namespace axle::cpu::arch {
namespace {

bool Avx2() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
bool Avx512() { return Avx2() && __builtin_cpu_supports("avx512f"); }

[[maybe_unused]] Kernels Avx2Table() {
  Kernels k;
  k.isa = "avx2+fma";
  k.available = Avx2();
  k.missing = "avx2 fma";
#if defined(AXLE_X86_AVX2)
  k.f32_gemm = &x86::axle_f32_gemm_ukernel_6x16__avx2_fma;
  k.f32_attention = &x86::axle_f32_attention__avx2_fma;
  k.f32_depthwise = &x86::axle_f32_dwconv__avx2_fma;
  k.f32_vmath = &x86::axle_f32_vmath__avx2_fma;
  k.s8_gemm = &x86::axle_s8_gemm_ukernel_8x48__avx2;
#endif
  return k;
}

[[maybe_unused]] Kernels Avx512Table(bool vnni) {
  Kernels k;
  k.isa = vnni ? "avx512f+vnni" : "avx512f";
  k.available = Avx512() && (!vnni || __builtin_cpu_supports("avx512vnni"));
  k.missing = vnni ? "avx512f avx512_vnni" : "avx512f";
#if defined(AXLE_X86_AVX512)
  k.gemm_mr = 8;
  k.gemm_nr = 48;
  k.gemm_packs_a = true;
  k.f32_pack_a = &x86::axle_f32_pack_a8__avx2;
  k.f32_gemm = &x86::axle_f32_gemm_ukernel_8x48__avx512f;
  k.f32_attention = &x86::axle_f32_attention__avx512f;
  k.f32_depthwise = &x86::axle_f32_dwconv__avx512f;
  k.f32_gemv_w8 = &x86::axle_f32_gemv_w8__avx512f;
  k.f32_gemv_w4 = &x86::axle_f32_gemv_w4__avx512f;
  k.quantize_u8 = &x86::axle_quantize_u8__avx512f;
  k.f32_layernorm = &x86::axle_f32_layernorm__avx512f;
  k.f32_vmath = &x86::axle_f32_vmath__avx2_fma;  // the 256-bit math serves both
  k.s8_gemm = &x86::axle_s8_gemm_ukernel_8x48__avx2;
#endif
#if defined(AXLE_X86_AVX512VNNI)
  if (vnni) k.s8_gemm = &x86::axle_s8_gemm_ukernel_8x48__avx512vnni;
#endif
  return k;
}

}  // namespace

const char* Name() { return "x86_64"; }

int FillVariants(Kernels out[kMaxVariants]) {
  __builtin_cpu_init();
  int n = 0;
#if defined(AXLE_X86_AMX)
  Kernels amx = Avx512Table(/*vnni=*/true);
  amx.isa = "avx512f+amx";
  amx.missing = "avx512f avx512_vnni amx_int8 (or the OS did not grant the AMX tile state)";
  amx.available = amx.available && x86::AmxAvailable();
  amx.s8_gemm_whole = &x86::axle_s8_gemm__amx;
  out[n++] = amx;
#endif
#if defined(AXLE_X86_AVX512VNNI)
  out[n++] = Avx512Table(/*vnni=*/true);
#endif
#if defined(AXLE_X86_AVX512)
  out[n++] = Avx512Table(/*vnni=*/false);
#endif
#if defined(AXLE_X86_AVX2)
  out[n++] = Avx2Table();
#endif
  return n;
}

bool HostHasFeature(const char* f) {
  __builtin_cpu_init();
  // /proc/cpuinfo spellings of the flags Axle's x86 kernels use.
  if (!std::strcmp(f, "avx2")) return __builtin_cpu_supports("avx2");
  if (!std::strcmp(f, "fma")) return __builtin_cpu_supports("fma");
  if (!std::strcmp(f, "avx512f")) return __builtin_cpu_supports("avx512f");
  if (!std::strcmp(f, "avx512bw")) return __builtin_cpu_supports("avx512bw");
  if (!std::strcmp(f, "avx512_vnni")) return __builtin_cpu_supports("avx512vnni");
  if (!std::strcmp(f, "avx512_bf16")) return __builtin_cpu_supports("avx512bf16");
#if defined(AXLE_X86_AMX)
  if (!std::strcmp(f, "amx_tile") || !std::strcmp(f, "amx_int8")) return x86::AmxAvailable();
#endif
  return false;
}

}  // namespace axle::cpu::arch
