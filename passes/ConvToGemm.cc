// axle-conv-to-gemm: 2-D convolutions in channels-last form, where the CPU kernels are fast.
//   conv(x [N,C,H,W], W [M,C,kh,kw], b)  ->
//     transpose(linear(im2col(transpose(x, [0,2,3,1])), W' [kh*kw*C, M], b), [0,3,1,2])
// A 1x1 window is a GEMM over the channels (a strided slice first when the stride is above 1);
// a depthwise convolution (group = C = M) becomes axle.depthwise_conv on [kh, kw, C] weights.
// The transposes around consecutive convolutions cancel once canonicalization has moved them
// through the elementwise ops in between (compiler/dialect/Canonicalize.cc), and the bias,
// activation and residual become the GEMM's epilogue (axle-fuse-linear, which runs after).
#include "passes/FusionUtils.h"
#include "passes/Passes.h"

namespace axle::passes {

// clang-format off
#define GEN_PASS_DEF_AXLECONVTOGEMM
#include "passes/Passes.h.inc"
// clang-format on

namespace {

using mlir::LogicalResult;
using mlir::PatternRewriter;
using mlir::RankedTensorType;
using mlir::Value;

struct ConvToGemmPattern : mlir::OpRewritePattern<ir::ConvOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ir::ConvOp op, PatternRewriter& rewriter) const override {
    auto w = ConstantValue(op.getWeight());
    auto xt = TensorTypeOf(op.getInput()), wt = TensorTypeOf(op.getWeight());
    auto yt = TensorTypeOf(op.getResult());
    if (xt.getRank() != 4 || !IsF32Tensor(op.getInput()) || !w || !IsF32Tensor(op.getWeight()))
      return rewriter.notifyMatchFailure(op, "not an f32 2-D convolution with constant weights");
    if (op.getBias() && !IsF32Tensor(op.getBias()))
      return rewriter.notifyMatchFailure(op, "the bias is not f32");
    const int64_t n = xt.getDimSize(0), c = xt.getDimSize(1), m = wt.getDimSize(0);
    const int64_t kh = wt.getDimSize(2), kw = wt.getDimSize(3);
    const int64_t oh = yt.getDimSize(2), ow = yt.getDimSize(3);
    const int64_t group = op.getGroup();
    const bool depthwise = group > 1 && group == c && m == c && wt.getDimSize(1) == 1;
    if (group != 1 && !depthwise)
      return rewriter.notifyMatchFailure(op, "grouped (not depthwise) convolution");
    auto pads = op.getPads();
    auto strides = op.getStrides(), dilations = op.getDilations();
    const mlir::Location loc = op.getLoc();
    auto f32 = rewriter.getF32Type();
    auto nhwc = [&](Value v, RankedTensorType t) {
      auto type = RankedTensorType::get(
          {t.getDimSize(0), t.getDimSize(2), t.getDimSize(3), t.getDimSize(1)}, f32);
      return rewriter.create<ir::TransposeOp>(loc, type, v,
                                              rewriter.getDenseI64ArrayAttr({0, 2, 3, 1}));
    };
    Value x = nhwc(op.getInput(), xt);
    auto out_nhwc = RankedTensorType::get({n, oh, ow, m}, f32);
    auto values = w.getValues<float>();
    Value y;
    if (depthwise) {
      std::vector<float> filters(kh * kw * c);  // [kh, kw, C]
      for (int64_t ch = 0; ch < c; ++ch)
        for (int64_t k = 0; k < kh * kw; ++k) filters[k * c + ch] = values[ch * kh * kw + k];
      Value f = F32Constant(rewriter, loc, {kh, kw, c}, filters);
      y = rewriter.create<ir::DepthwiseConvOp>(loc, out_nhwc, x, f, op.getBias(), strides, pads,
                                               dilations);
    } else {
      const bool pointwise =
          kh == 1 && kw == 1 && llvm::all_of(pads, [](int64_t p) { return p == 0; });
      Value cols;
      if (pointwise && strides[0] == 1 && strides[1] == 1) {
        cols = x;
      } else if (pointwise) {
        cols = rewriter.create<ir::SliceOp>(
            loc, RankedTensorType::get({n, oh, ow, c}, f32), x,
            rewriter.getDenseI64ArrayAttr({0, 0, 0, 0}),
            rewriter.getDenseI64ArrayAttr({1, strides[0], strides[1], 1}));
      } else {
        cols = rewriter.create<ir::Im2ColOp>(
            loc, RankedTensorType::get({n, oh, ow, kh * kw * c}, f32), x,
            rewriter.getDenseI64ArrayAttr({kh, kw}), strides, pads, dilations);
      }
      // W' [(ky, kx, c), M] from W [M, c, ky, kx].
      std::vector<float> matrix(kh * kw * c * m);
      for (int64_t mo = 0; mo < m; ++mo)
        for (int64_t ch = 0; ch < c; ++ch)
          for (int64_t k = 0; k < kh * kw; ++k)
            matrix[(k * c + ch) * m + mo] = values[(mo * c + ch) * kh * kw + k];
      Value wm = F32Constant(rewriter, loc, {kh * kw * c, m}, matrix);
      y = rewriter.create<ir::MatMulOp>(loc, out_nhwc, cols, wm);
      if (Value b = op.getBias()) {
        if (TensorTypeOf(b).getRank() != 1)
          b = rewriter.create<ir::ReshapeOp>(loc, RankedTensorType::get({m}, f32), b);
        y = rewriter.create<ir::AddOp>(loc, out_nhwc, y, b);
      }
    }
    rewriter.replaceOpWithNewOp<ir::TransposeOp>(op, yt, y,
                                                 rewriter.getDenseI64ArrayAttr({0, 3, 1, 2}));
    return mlir::success();
  }
};

struct ConvToGemm : impl::AxleConvToGemmBase<ConvToGemm> {
  void runOnOperation() override {
    if (mlir::failed(ApplyPatterns<ConvToGemmPattern>(getOperation()))) signalPassFailure();
  }
};

}  // namespace
}  // namespace axle::passes
