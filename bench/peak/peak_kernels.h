// Machine-limit probes: each runs `iterations` of a dependency-free instruction mix and
// returns a value the optimizer cannot drop. One translation unit per ISA.
#ifndef AXLE_BENCH_PEAK_PEAK_KERNELS_H_
#define AXLE_BENCH_PEAK_PEAK_KERNELS_H_

#include <cstddef>
#include <cstdint>

namespace axle::bench {

// 12 independent FMA chains: 12 x 8 lanes x 2 flops per iteration (AVX2 + FMA).
float FmaPeakAvx2(int64_t iterations);
// 12 independent FMA chains on zmm: 12 x 16 x 2 flops per iteration (AVX-512F).
float FmaPeakAvx512(int64_t iterations);
// 8 independent u8 x s8 dot chains (vpmaddubsw + vpmaddwd + vpaddd, exact while the int16
// pairs do not saturate): 8 x 32 multiply-adds per iteration (AVX2).
int32_t DotPeakAvx2(int64_t iterations);
// 8 independent vpdpbusd chains: 8 x 64 multiply-adds per iteration (AVX-512 VNNI).
int32_t DotPeakAvx512Vnni(int64_t iterations);
// 4 independent AMX accumulator tiles: 4 x 16 x 16 x 64 multiply-adds per iteration.
int32_t DotPeakAmx(int64_t iterations);
// Sums `n` floats with 4 vector accumulators: the read bandwidth probe (AVX2).
float ReadSumAvx2(const float* data, size_t n);

}  // namespace axle::bench

#endif  // AXLE_BENCH_PEAK_PEAK_KERNELS_H_
