// The portable drivers around the microkernels: cache blocking, packing and threading, written
// against the cpu::Kernels table (no ISA code here).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "kernels/common/pack_s8.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/ref/broadcast.h"
#include "kernels/ref/scalar_ops.h"

namespace axle::cpu {

void GatherConvRows(const ConvRows& a, size_t r, size_t rows, size_t k0, size_t kc, float* dst,
                    size_t ld) {
  const int64_t c = a.c;
  for (size_t i = 0; i < rows; ++i) {
    const int64_t row = static_cast<int64_t>(r + i);
    const int64_t b = row / (a.oh * a.ow), oy = row / a.ow % a.oh, ox = row % a.ow;
    float* out = dst + i * ld;
    for (int64_t kk = static_cast<int64_t>(k0), end = static_cast<int64_t>(k0 + kc); kk < end;) {
      const int64_t tap = kk / c, ch = kk % c, run = std::min(c - ch, end - kk);
      const int64_t iy = oy * a.stride[0] - a.pad[0] + (tap / a.kw) * a.dilation[0];
      const int64_t ix = ox * a.stride[1] - a.pad[1] + (tap % a.kw) * a.dilation[1];
      float* o = out + (kk - static_cast<int64_t>(k0));
      if (iy < 0 || iy >= a.h || ix < 0 || ix >= a.w)
        std::fill(o, o + run, 0.0f);
      else
        std::copy_n(a.x + ((b * a.h + iy) * a.w + ix) * c + ch, run, o);
      kk += run;
    }
  }
}

void GemmF32Panel16(const Kernels& kernels, const float* x, size_t m, size_t k, const float* packed,
                    size_t n, const float* bias, int act, float* y, const Parallel* par,
                    const float* residual, const ConvRows* conv) {
  // Adds the residual to a finished C tile (rows [r, r + rows), columns [c, c + cols)).
  auto add_residual = [&](size_t r, size_t rows, size_t c, size_t cols) {
    for (size_t i = r; i < r + rows; ++i)
      for (size_t j = c; j < c + cols; ++j) y[i * n + j] += residual[i * n + j];
  };
  // KC x NR weight micro-panels (16-32 KB) stay in L1 across an MC-row block of A (L2).
  // KC = 256 and MC = 10 tiles measured best on the development machine (48 KB L1, 2 MB L2;
  // KC 128/512/1024 and MC 32 tiles were 2-15% slower): the weight micro-panel (up to
  // 256 x 48 floats) mostly stays in L1 across the MC rows, packed A (<= 160 KB) in L2.
  constexpr size_t kKc = 256, kPanelsPerTask = 4, kMaxMc = 160;
  const size_t mr = static_cast<size_t>(kernels.gemm_mr);
  const size_t step = static_cast<size_t>(kernels.gemm_nr) / 16;  // panels per microkernel call
  // Row blocks of at most 10 tiles, balanced (97 rows: 56 + 41, not 80 + 17).
  const size_t blocks_needed = (m + 10 * mr - 1) / (10 * mr);
  size_t mc = std::max(mr, ((m + blocks_needed - 1) / blocks_needed + mr - 1) / mr * mr);
  const size_t panels = (n + 15) / 16;
  const size_t threads = par ? static_cast<size_t>(std::max(1, par->threads)) : 1;
  size_t row_blocks = std::max<size_t>(1, (m + mc - 1) / mc);
  // The pool hands each thread an equal contiguous share of the tasks: with more row blocks
  // than threads, take (up to 1.5x as many) smaller blocks so that they divide evenly (1024
  // rows on 2 threads: 16 blocks of 64, not 13 of 80 split 7 + 6).
  if (threads > 1 && row_blocks > threads && row_blocks % threads != 0) {
    for (size_t target = row_blocks + 1; target <= row_blocks * 3 / 2; ++target) {
      const size_t mc_t = std::max(mr, ((m + target - 1) / target + mr - 1) / mr * mr);
      const size_t rb_t = (m + mc_t - 1) / mc_t;
      if (rb_t % threads == 0) {
        mc = mc_t;
        row_blocks = rb_t;
        break;
      }
    }
  }
  // Tasks: row blocks x panel groups, with as few groups as keep every thread busy (A is
  // packed once per task and K block, so wide groups amortize it).
  const size_t want_groups = std::max<size_t>(1, (2 * threads + row_blocks - 1) / row_blocks);
  size_t group = (panels + want_groups - 1) / want_groups;
  group = std::max<size_t>(step, (group + step - 1) / step * step);
  if (!kernels.gemm_packs_a) group = std::min(group, std::max(kPanelsPerTask, step));
  // Weights beyond the L2 (2 MB here) would stream from memory once per row block: cap a
  // group's K block at 1 MB and go K-block-major over its row blocks instead.
  const bool k_outer = kernels.gemm_packs_a && k * n * sizeof(float) > (size_t{16} << 20);
  if (k_outer)
    group = std::min(group, std::max(step, (size_t{1} << 20) / (kKc * 64) / step * step));
  const size_t groups = (panels + group - 1) / group;
  const size_t run_blocks =
      std::max<size_t>(1, (size_t{1} << 20) / (mc * group * 16 * sizeof(float)));
  if (m == 0 || n == 0) return;
  // Waking the pool costs microseconds: below ~1 MFLOP one thread is faster than two.
  if (2.0 * m * k * n < 1e6) par = nullptr;
  ParallelFor(par, static_cast<int64_t>(row_blocks * groups), [&](int64_t begin, int64_t end) {
    // Group-major: consecutive tasks (one thread's share) cover every row block of a group. With
    // k_outer, a run of one group's tasks goes K block by K block, so the group's KC x width
    // weight block (<= 1 MB) serves all its row blocks from L2 before the next is read.
    for (int64_t run = begin; run < end;) {
      const size_t g = static_cast<size_t>(run) / row_blocks;
      // The run's C block (its rows x the group's columns) is revisited once per K block: keep
      // it within ~1 MB so that it stays in L2 too.
      const int64_t run_end =
          k_outer ? std::min<int64_t>({end, static_cast<int64_t>((g + 1) * row_blocks),
                                       run + static_cast<int64_t>(run_blocks)})
                  : run + 1;
      for (size_t k0 = 0; k0 < k || (k == 0 && k0 == 0); k0 += kKc) {
        for (int64_t t = run; t < run_end; ++t) {
          const size_t rb = static_cast<size_t>(t) % row_blocks;
          const size_t r0 = rb * mc, r1 = std::min(m, r0 + mc);
          const size_t p0 = g * group, p1 = std::min(panels, p0 + group);
          const size_t kc = std::min(kKc, k - k0);
          int flags = (k0 > 0 ? kGemmAccumulate : 0) | (k0 + kKc >= k ? kGemmLast : 0);
          if (kernels.gemm_packs_a) {
            // Pack the MC x KC block of A as row tiles [kc][mr] (L2), then for each panel group
            // (L1) sweep the tiles: the GotoBLAS order.
            alignas(64) float a_block[kKc * kMaxMc];
            for (size_t r = r0; r < r1; r += mr) {
              const size_t rows = std::min(mr, r1 - r);
              float* tile = a_block + (r - r0) * kc;
              if (conv) {  // gather the rows' windows, then pack them like any A rows
                alignas(64) float rows_kc[8 * kKc];
                GatherConvRows(*conv, r, rows, k0, kc, rows_kc, kc);
                for (size_t i = rows; i < mr; ++i) std::fill_n(rows_kc + i * kc, kc, 0.0f);
                if (kernels.f32_pack_a && mr == 8) {
                  kernels.f32_pack_a(rows_kc, kc, rows, kc, tile);
                } else {
                  for (size_t i = 0; i < mr; ++i)
                    for (size_t kk = 0; kk < kc; ++kk) tile[kk * mr + i] = rows_kc[i * kc + kk];
                }
                continue;
              }
              if (kernels.f32_pack_a) {
                kernels.f32_pack_a(x + r * k + k0, k, rows, kc, tile);
                continue;
              }
              for (size_t i = 0; i < rows; ++i) {
                const float* src = x + (r + i) * k + k0;
                for (size_t kk = 0; kk < kc; ++kk) tile[kk * mr + i] = src[kk];
              }
              for (size_t i = rows; i < mr; ++i)
                for (size_t kk = 0; kk < kc; ++kk) tile[kk * mr + i] = 0.0f;
            }
            for (size_t p = p0; p < p1; p += step) {
              const size_t nr = std::min(16 * std::min(step, p1 - p), n - p * 16);
              const float* w = packed + (p * k + k0) * 16;
              for (size_t r = r0; r < r1; r += mr) {
                kernels.f32_gemm(std::min(mr, r1 - r), nr, kc, a_block + (r - r0) * kc, mr, w,
                                 k * 16, y + r * n + p * 16, n, flags,
                                 bias ? bias + p * 16 : nullptr, act);
                if (residual && (flags & kGemmLast))
                  add_residual(r, std::min(mr, r1 - r), p * 16, nr);
              }
            }
          } else if (conv) {
            // Row tiles outer: each tile's windows are gathered once ([mr][kc], L1) and swept
            // across the group's panels.
            alignas(64) float rows_kc[8 * kKc];
            for (size_t r = r0; r < r1; r += mr) {
              const size_t rows = std::min(mr, r1 - r);
              GatherConvRows(*conv, r, rows, k0, kc, rows_kc, kc);
              for (size_t p = p0; p < p1; p += step) {
                const size_t nr = std::min(16 * std::min(step, p1 - p), n - p * 16);
                kernels.f32_gemm(rows, nr, kc, rows_kc, kc, packed + (p * k + k0) * 16, k * 16,
                                 y + r * n + p * 16, n, flags, bias ? bias + p * 16 : nullptr, act);
                if (residual && (flags & kGemmLast)) add_residual(r, rows, p * 16, nr);
              }
            }
          } else {
            for (size_t p = p0; p < p1; p += step) {
              const size_t nr = std::min(16 * std::min(step, p1 - p), n - p * 16);
              const float* w = packed + (p * k + k0) * 16;
              for (size_t r = r0; r < r1; r += mr) {
                kernels.f32_gemm(std::min(mr, r1 - r), nr, kc, x + r * k + k0, k, w, k * 16,
                                 y + r * n + p * 16, n, flags, bias ? bias + p * 16 : nullptr, act);
                if (residual && (flags & kGemmLast))
                  add_residual(r, std::min(mr, r1 - r), p * 16, nr);
              }
            }
          }
        }
      }
      run = run_end;
    }
  });
}

void GemmS8Panel16x4(const Kernels& kernels, const uint8_t* x, size_t m, size_t k, float a_scale,
                     int32_t a_zero_point, const int8_t* packed, const int32_t* col_sums,
                     const float* w_scales, size_t n, const float* bias, int act, float* y,
                     const Parallel* par, bool c8) {
  if (!c8 && kernels.s8_gemm_whole && S8KQuads(k) * 4 <= kS8GemmMaxK) {
    if (m == 0 || n == 0) return;
    // Column groups of <= 1 MB of weights (L2), at least two tasks per thread.
    const size_t kpad = S8KQuads(k) * 4, row_blocks = (m + 31) / 32;
    size_t group = std::max<size_t>(32, (size_t{1} << 20) / kpad / 32 * 32);
    const size_t threads = par ? static_cast<size_t>(std::max(1, par->threads)) : 1;
    if (threads > 1)
      while (group > 32 && row_blocks * ((n + group - 1) / group) < 2 * threads) group -= 32;
    const size_t groups = (n + group - 1) / group;
    if (2.0 * m * k * n < 8e6) par = nullptr;
    const S8GemmArgs g{x, m,    k,   a_scale, a_zero_point, packed, col_sums, w_scales,
                       n, bias, act, y,       group};
    ParallelFor(par, static_cast<int64_t>(groups * row_blocks),
                [&](int64_t b, int64_t e) { kernels.s8_gemm_whole(g, b, e); });
    return;
  }
  // One call covers the whole K (int32 accumulators never leave registers); A rows are packed
  // per row tile as [quads][mr] int32 (K up to 8192 here: at most 8 KB x 8 of stack), plus a
  // zero quad when the count is odd, for microkernels that take two at a time.
  constexpr size_t kMaxMr = 8, kMaxQuads = kS8GemmMaxK / 4;
  const S8GemmUkernel ukernel = c8 ? kernels.s8_gemm_c8 : kernels.s8_gemm;
  const size_t mr = static_cast<size_t>(kernels.s8_mr), width = static_cast<size_t>(kernels.s8_nr);
  const size_t quads = (k + 3) / 4, quads_even = (quads + 1) & ~size_t{1};
  const size_t panel_bytes = S8KQuads(k) * 64;
  const size_t widths = (n + width - 1) / width;
  const size_t tiles = (m + mr - 1) / mr;
  if (m == 0 || n == 0 || quads > kMaxQuads || mr > kMaxMr || !ukernel) return;
  if (2.0 * m * k * n < 2e6) par = nullptr;
  // Tasks: row tiles x column widths, row-major (a thread packs its A tiles once per width).
  ParallelFor(par, static_cast<int64_t>(tiles), [&](int64_t begin, int64_t end) {
    alignas(64) int32_t a_tile[kMaxQuads * kMaxMr];
    for (int64_t t = begin; t < end; ++t) {
      const size_t r = static_cast<size_t>(t) * mr, rows = std::min(mr, m - r);
      auto* bytes = reinterpret_cast<uint8_t*>(a_tile);
      for (size_t q = 0; q < quads_even; ++q)
        for (size_t i = 0; i < mr; ++i)
          for (size_t b = 0; b < 4; ++b) {
            const size_t kk = 4 * q + b;
            // Zero past K (the packed weights are zero there too); padding rows are not stored.
            bytes[(q * mr + i) * 4 + b] =
                i < rows && kk < k ? x[(r + i) * k + kk] : static_cast<uint8_t>(0);
          }
      for (size_t wdt = 0; wdt < widths; ++wdt) {
        const size_t p = wdt * (width / 16), nr = std::min(width, n - p * 16);
        S8Epilogue e{col_sums + p * 16, w_scales + p * 16, bias ? bias + p * 16 : nullptr,
                     a_scale,           a_zero_point,      act};
        ukernel(rows, nr, quads, a_tile, packed + p * panel_bytes, panel_bytes, e,
                y + r * n + p * 16, n);
      }
    }
  });
}

void GemvW8(const Kernels& kernels, const float* x, size_t k, const int8_t* packed,
            const float* scales, size_t n, const float* bias, float* y, const Parallel* par) {
  const size_t panels = (n + 15) / 16;
  ParallelFor(par, static_cast<int64_t>(panels), [&](int64_t b, int64_t e) {
    kernels.f32_gemv_w8(x, k, packed, scales, n, bias, y, b, e);
  });
}

void GemvW4(const Kernels& kernels, const float* x, size_t k, const uint8_t* packed,
            const float* scales, size_t n, size_t group, const float* bias, float* y,
            const Parallel* par) {
  const size_t panels = (n + 15) / 16;
  ParallelFor(par, static_cast<int64_t>(panels), [&](int64_t b, int64_t e) {
    kernels.f32_gemv_w4(x, k, packed, scales, n, group, bias, y, b, e);
  });
}

void SoftmaxF32Rows(const Kernels& kernels, const float* x, size_t rows, size_t n, float* y,
                    const Parallel* par) {
  if (rows * n <= (size_t{1} << 16)) par = nullptr;
  ParallelFor(par, static_cast<int64_t>(rows), [&](int64_t begin, int64_t end) {
    for (size_t r = static_cast<size_t>(begin); r < static_cast<size_t>(end); ++r) {
      const float* xr = x + r * n;
      float* yr = y + r * n;
      float mx = -INFINITY;
      for (size_t j = 0; j < n; ++j) mx = std::fmax(mx, xr[j]);
      // A NaN in the row, or x - max undefined (a row of -inf, a +inf), makes the reference's
      // sum NaN and so every output; the vector exp clamps NaN instead of passing it on.
      bool nan = false;
      for (size_t j = 0; j < n; ++j) {
        yr[j] = xr[j] - mx;
        nan |= yr[j] != yr[j];
      }
      if (nan) {
        for (size_t j = 0; j < n; ++j) yr[j] = NAN;
        continue;
      }
      kernels.f32_vmath(VMathFn::kExp, yr, yr, n);
      double sum = 0;
      for (size_t j = 0; j < n; ++j) sum += yr[j];
      const double inv = 1.0 / sum;
      for (size_t j = 0; j < n; ++j) yr[j] = static_cast<float>(yr[j] * inv);
    }
  });
}

void FusedElementwiseF32(const Kernels& kernels, const uint8_t* code, int64_t size,
                         const float* constants, const TensorView* const* inputs, int num_inputs,
                         const TensorView& y, const Parallel* par) {
  const int rank = y.shape.rank;
  const int64_t inner = rank ? y.shape.dims[rank - 1] : 1;
  const int64_t outer = inner ? y.NumElements() / inner : 0;
  int64_t strides[ref::kMaxElementwiseInputs][kMaxRank];
  for (int k = 0; k < num_inputs; ++k) ref::BroadcastStrides(inputs[k]->shape, y.shape, strides[k]);
  float* py = y.As<float>();
  if (y.NumElements() < (int64_t{1} << 15)) par = nullptr;
  ParallelFor(par, outer, [&](int64_t begin, int64_t end) {
    constexpr int64_t kChunk = 256;
    alignas(64) float stack[ref::kMaxElementwiseStack][kChunk];
    for (int64_t o = begin; o < end; ++o) {
      int64_t base[ref::kMaxElementwiseInputs];
      ref::BroadcastRowBase(o, y.shape, strides, num_inputs, base);
      for (int64_t j0 = 0; j0 < inner; j0 += kChunk) {
        const int64_t n = std::min(kChunk, inner - j0);
        int sp = 0;
        for (int64_t pc = 0; pc < size; pc += 2) {
          const uint8_t arg = code[pc + 1];
          float* top = stack[sp ? sp - 1 : 0];
          switch (static_cast<ref::ElementwiseInstr>(code[pc])) {
          case ref::ElementwiseInstr::kLoad: {
            const float* src = inputs[arg]->As<float>() + base[arg];
            const int64_t s = rank ? strides[arg][rank - 1] : 0;
            float* dst = stack[sp++];
            if (s == 1)
              std::memcpy(dst, src + j0, static_cast<size_t>(n) * sizeof(float));
            else if (s == 0)
              std::fill(dst, dst + n, src[0]);
            else
              for (int64_t j = 0; j < n; ++j) dst[j] = src[(j0 + j) * s];
            break;
          }
          case ref::ElementwiseInstr::kConst:
            std::fill(stack[sp], stack[sp] + n, constants[arg]);
            ++sp;
            break;
          case ref::ElementwiseInstr::kBinary: {
            float* a = stack[sp - 2];
            const float* b = stack[--sp];
            switch (static_cast<ref::BinaryOp>(arg)) {
            case ref::BinaryOp::kAdd:
              for (int64_t j = 0; j < n; ++j) a[j] += b[j];
              break;
            case ref::BinaryOp::kSub:
              for (int64_t j = 0; j < n; ++j) a[j] -= b[j];
              break;
            case ref::BinaryOp::kMul:
              for (int64_t j = 0; j < n; ++j) a[j] *= b[j];
              break;
            case ref::BinaryOp::kDiv:
              for (int64_t j = 0; j < n; ++j) a[j] /= b[j];
              break;
            case ref::BinaryOp::kMin:
              for (int64_t j = 0; j < n; ++j) a[j] = std::isnan(b[j]) ? b[j] : std::min(a[j], b[j]);
              break;
            case ref::BinaryOp::kMax:
              for (int64_t j = 0; j < n; ++j) a[j] = std::isnan(b[j]) ? b[j] : std::max(a[j], b[j]);
              break;
            default:
              for (int64_t j = 0; j < n; ++j)
                a[j] = ref::FloatBinary(static_cast<ref::BinaryOp>(arg), a[j], b[j]);
            }
            break;
          }
          case ref::ElementwiseInstr::kUnary:
            switch (static_cast<ref::UnaryOp>(arg)) {
            case ref::UnaryOp::kRelu:
              for (int64_t j = 0; j < n; ++j) top[j] = top[j] > 0 ? top[j] : 0.0f;
              break;
            case ref::UnaryOp::kNeg:
              for (int64_t j = 0; j < n; ++j) top[j] = -top[j];
              break;
            case ref::UnaryOp::kAbs:
              for (int64_t j = 0; j < n; ++j) top[j] = std::fabs(top[j]);
              break;
            case ref::UnaryOp::kSqrt:
              for (int64_t j = 0; j < n; ++j) top[j] = std::sqrt(top[j]);
              break;
            case ref::UnaryOp::kReciprocal:
              for (int64_t j = 0; j < n; ++j) top[j] = 1.0f / top[j];
              break;
            case ref::UnaryOp::kExp: kernels.f32_vmath(VMathFn::kExp, top, top, n); break;
            case ref::UnaryOp::kTanh: kernels.f32_vmath(VMathFn::kTanh, top, top, n); break;
            case ref::UnaryOp::kErf: kernels.f32_vmath(VMathFn::kErf, top, top, n); break;
            case ref::UnaryOp::kSigmoid:  // 1 / (1 + exp(-x)): exp overflows to inf, giving 0
              for (int64_t j = 0; j < n; ++j) top[j] = -top[j];
              kernels.f32_vmath(VMathFn::kExp, top, top, n);
              for (int64_t j = 0; j < n; ++j) top[j] = 1.0f / (1.0f + top[j]);
              break;
            default:
              for (int64_t j = 0; j < n; ++j)
                top[j] = ref::UnaryScalar(static_cast<ref::UnaryOp>(arg), top[j], 0.0f, 0.0f);
            }
            break;
          case ref::ElementwiseInstr::kGelu:
            kernels.f32_vmath(arg ? VMathFn::kGeluTanh : VMathFn::kGeluErf, top, top, n);
            break;
          }
        }
        std::memcpy(py + o * inner + j0, stack[0], static_cast<size_t>(n) * sizeof(float));
      }
    }
  });
}

void DepthwiseConvF32(const Kernels& kernels, const DepthwiseArgs& args, const Parallel* par) {
  if (args.batch * args.oh * args.ow * args.c < (int64_t{1} << 14)) par = nullptr;
  ParallelFor(par, args.batch * args.oh,
              [&](int64_t begin, int64_t end) { kernels.f32_depthwise(args, begin, end); });
}

void AttentionF32(const Kernels& kernels, const AttentionArgs& in, const Parallel* par) {
  AttentionArgs args = in;
  if (args.kv_heads <= 0) args.kv_heads = args.heads;  // no grouping
  // Tasks of whole query blocks: as few per (batch, head) as keep every thread busy (each task
  // transposes the keys once), at most kAttentionMaxRange queries each.
  const int64_t threads = par ? std::max(1, par->threads) : 1;
  const int64_t blocks = (args.sq + kAttentionQueryBlock - 1) / kAttentionQueryBlock;
  const int64_t heads = std::max<int64_t>(1, args.batch * args.heads);
  int64_t ranges = std::min(blocks, std::max<int64_t>(1, (2 * threads + heads - 1) / heads));
  ranges = std::max(ranges, (args.sq + kAttentionMaxRange - 1) / kAttentionMaxRange);
  const int64_t per = (blocks + ranges - 1) / ranges;
  args.range = std::max<int64_t>(1, per * kAttentionQueryBlock);
  const int64_t tasks = (args.sq + args.range - 1) / args.range;
  ParallelFor(par, args.batch * args.heads * tasks,
              [&](int64_t begin, int64_t end) { kernels.f32_attention(args, begin, end); });
}

}  // namespace axle::cpu
