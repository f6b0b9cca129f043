// axle-fuse-attention: the multi-head attention subgraph exporters emit -> axle.attention.
//   qh = transpose(reshape(q, [B,Sq,H,dk]), [0,2,1,3])        (likewise v)
//   kt = transpose(reshape(k, [B,Sk,H,dk]), [0,2,3,1])        (or [0,2,1,3] then [0,1,3,2])
//   s  = matmul(qh, kt), scaled by a constant (div or mul, or sqrt-scales on qh and kt)
//   s  = s + mask | where(cond, s, fill) | where(cond, fill, s)      (optional)
//   y  = reshape(transpose(matmul(softmax(s, axis 3), vh), [0,2,1,3]), [B,Sq,H*dv])
// The scores chain (matmul, scale, mask, softmax, matmul, merge) must have single uses; the
// head splits of q, k, v may be shared; q, k, v, mask may be anything.
#include "passes/FusionUtils.h"
#include "passes/Passes.h"

namespace axle::passes {

// clang-format off
#define GEN_PASS_DEF_AXLEFUSEATTENTION
#include "passes/Passes.h.inc"
// clang-format on

namespace {

using mlir::LogicalResult;
using mlir::PatternRewriter;
using mlir::Value;

bool PermIs(ir::TransposeOp t, llvm::ArrayRef<int64_t> perm) { return t && t.getPerm() == perm; }

struct Heads {
  Value x;                         // [B, S, H*d]; null when `folded` holds it
  mlir::DenseElementsAttr folded;  // a constant operand already split (folded at compile time)
  int64_t heads = 0;

  mlir::RankedTensorType type() const {
    return x ? TensorTypeOf(x) : llvm::cast<mlir::RankedTensorType>(folded.getType());
  }
  Value Materialize(PatternRewriter& rewriter, mlir::Location loc) const {
    if (x) return x;
    return rewriter.create<ir::ConstantOp>(loc, folded.getType(), folded).getResult();
  }
};

// A constant whose heads were split (and possibly transposed) at compile time, merged back
// to [B, S, H*d]: `dims` names the [B, H, S, d] positions of the constant's dimensions.
std::optional<Heads> MergeConstant(Value v, const int64_t (&dims)[4]) {
  auto c = ConstantValue(v);
  if (!c || !IsF32Tensor(v) || TensorTypeOf(v).getRank() != 4) return std::nullopt;
  auto shape = TensorTypeOf(v).getShape();
  const int64_t b = shape[dims[0]], h = shape[dims[1]], s = shape[dims[2]], d = shape[dims[3]];
  std::vector<float> merged(b * s * h * d);
  auto src = c.getValues<float>();
  int64_t strides[4] = {shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1};
  for (int64_t bi = 0; bi < b; ++bi)
    for (int64_t hi = 0; hi < h; ++hi)
      for (int64_t si = 0; si < s; ++si)
        for (int64_t di = 0; di < d; ++di) {
          int64_t index[4];
          index[dims[0]] = bi;
          index[dims[1]] = hi;
          index[dims[2]] = si;
          index[dims[3]] = di;
          const int64_t at = index[0] * strides[0] + index[1] * strides[1] + index[2] * strides[2] +
                             index[3] * strides[3];
          merged[(bi * s + si) * h * d + hi * d + di] = src[at];
        }
  auto type = mlir::RankedTensorType::get({b, s, h * d}, TensorTypeOf(v).getElementType());
  return Heads{Value(), mlir::DenseElementsAttr::get(type, llvm::ArrayRef<float>(merged)), h};
}

// reshape(x [B,S,H*d] -> [B,S,H,d]). The head split may have other users (CSE merges the
// splits of K/V shared by decoder passes): it is data movement, left for them.
std::optional<Heads> Unsplit(Value v) {
  auto r = v.getDefiningOp<ir::ReshapeOp>();
  if (!r) return std::nullopt;
  auto in = TensorTypeOf(r.getInput()), out = TensorTypeOf(r.getResult());
  if (in.getRank() != 3 || out.getRank() != 4 || !IsF32Tensor(r.getInput()) ||
      in.getDimSize(0) != out.getDimSize(0) || in.getDimSize(1) != out.getDimSize(1) ||
      in.getDimSize(2) != out.getDimSize(2) * out.getDimSize(3))
    return std::nullopt;
  return Heads{r.getInput(), nullptr, out.getDimSize(2)};
}

// transpose(reshape(x), [0,2,1,3]): x's heads as [B,H,S,d] (or such a constant).
std::optional<Heads> SplitHeads(Value v) {
  if (auto folded = MergeConstant(v, {0, 1, 2, 3})) return folded;
  auto t = v.getDefiningOp<ir::TransposeOp>();
  if (!PermIs(t, {0, 2, 1, 3})) return std::nullopt;
  return Unsplit(t.getInput());
}

// x's heads transposed to [B,H,d,S] (or such a constant).
std::optional<Heads> SplitHeadsTransposed(Value v) {
  if (auto folded = MergeConstant(v, {0, 1, 3, 2})) return folded;
  auto t = v.getDefiningOp<ir::TransposeOp>();
  if (PermIs(t, {0, 2, 3, 1})) return Unsplit(t.getInput());
  if (PermIs(t, {0, 1, 3, 2})) return SplitHeads(t.getInput());
  return std::nullopt;
}

// v = w * c or c * w or w / c (with a single use unless `shared`): w, c folded into *scale.
Value StripScale(Value v, double* scale, bool shared = false) {
  auto def = [&](auto tag) {
    using OpTy = decltype(tag);
    return shared ? v.getDefiningOp<OpTy>() : SingleUseDef<OpTy>(v);
  };
  if (auto div = def(ir::DivOp()))
    if (auto c = ScalarConstant(div.getRhs()); c && *c != 0) {
      *scale /= *c;
      return div.getLhs();
    }
  if (auto mul = def(ir::MulOp())) {
    if (auto c = ScalarConstant(mul.getRhs())) {
      *scale *= *c;
      return mul.getLhs();
    }
    if (auto c = ScalarConstant(mul.getLhs())) {
      *scale *= *c;
      return mul.getRhs();
    }
  }
  return v;
}

struct Scores {
  Heads q, k;
  double scale = 1.0;
};

// scale * matmul(qh, kt), with the scale anywhere along the chain.
std::optional<Scores> ParseScores(Value s) {
  Scores r;
  auto mm = SingleUseDef<ir::MatMulOp>(StripScale(s, &r.scale));
  if (!mm) return std::nullopt;
  auto q = SplitHeads(StripScale(mm.getLhs(), &r.scale, /*shared=*/true));
  auto k = SplitHeadsTransposed(StripScale(mm.getRhs(), &r.scale, /*shared=*/true));
  if (!q || !k) return std::nullopt;
  r.q = *q;
  r.k = *k;
  return r;
}

bool BroadcastsTo(mlir::RankedTensorType from, llvm::ArrayRef<int64_t> to) {
  if (from.getRank() > static_cast<int64_t>(to.size())) return false;
  const int64_t lead = to.size() - from.getRank();
  for (int64_t i = 0; i < from.getRank(); ++i)
    if (from.getDimSize(i) != 1 && from.getDimSize(i) != to[lead + i]) return false;
  return true;
}

struct FuseAttentionPattern : mlir::OpRewritePattern<ir::ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ir::ReshapeOp root, PatternRewriter& rewriter) const override {
    auto out = TensorTypeOf(root.getResult());
    auto merge = SingleUseDef<ir::TransposeOp>(root.getInput());
    if (out.getRank() != 3 || !PermIs(merge, {0, 2, 1, 3}))
      return rewriter.notifyMatchFailure(root, "not a head merge [B,H,S,d] -> [B,S,H*d]");
    auto pv = SingleUseDef<ir::MatMulOp>(merge.getInput());
    auto probs = pv ? SingleUseDef<ir::SoftmaxOp>(pv.getLhs()) : ir::SoftmaxOp();
    if (!probs || probs.getAxis() != 3)
      return rewriter.notifyMatchFailure(root, "not matmul(softmax(scores, axis 3), v)");
    auto v = SplitHeads(pv.getRhs());
    if (!v) return rewriter.notifyMatchFailure(root, "v is not split into heads");

    Value scores = probs.getInput(), mask;
    std::optional<Scores> s;
    llvm::StringRef mode = "none";
    double fill = 0;
    if (auto add = SingleUseDef<ir::AddOp>(scores)) {
      if ((s = ParseScores(add.getLhs())))
        mask = add.getRhs();
      else if ((s = ParseScores(add.getRhs())))
        mask = add.getLhs();
      mode = "additive";
      if (mask && !IsF32Tensor(mask)) s.reset();
    } else if (auto where = SingleUseDef<ir::WhereOp>(scores)) {
      auto fill_true = ScalarConstant(where.getX()), fill_false = ScalarConstant(where.getY());
      if (fill_false && (s = ParseScores(where.getX()))) {
        mode = "keep_true";
        fill = *fill_false;
      } else if (fill_true && (s = ParseScores(where.getY()))) {
        mode = "keep_false";
        fill = *fill_true;
      }
      mask = where.getCond();
    } else {
      s = ParseScores(scores);
    }
    if (!s) return rewriter.notifyMatchFailure(root, "scores are not scale * q k^T (+ mask)");

    const auto q_type = s->q.type(), k_type = s->k.type(), v_type = v->type();
    const int64_t heads = s->q.heads;
    if (s->k.heads != heads || v->heads != heads || k_type.getDimSize(2) != q_type.getDimSize(2) ||
        k_type.getDimSize(1) != v_type.getDimSize(1) ||
        k_type.getDimSize(0) != q_type.getDimSize(0) ||
        v_type.getDimSize(0) != q_type.getDimSize(0))
      return rewriter.notifyMatchFailure(root, "q, k and v disagree in heads, batch or length");
    llvm::SmallVector<int64_t> expected = {q_type.getDimSize(0), q_type.getDimSize(1),
                                           v_type.getDimSize(2)};
    if (out.getShape() != llvm::ArrayRef<int64_t>(expected))
      return rewriter.notifyMatchFailure(root, "the merged result is not [B, Sq, H*dv]");
    if (mask && !BroadcastsTo(TensorTypeOf(mask), {q_type.getDimSize(0), heads,
                                                   q_type.getDimSize(1), k_type.getDimSize(1)}))
      return rewriter.notifyMatchFailure(root, "the mask does not broadcast to [B,H,Sq,Sk]");

    const mlir::Location loc = root.getLoc();
    rewriter.replaceOpWithNewOp<ir::AttentionOp>(
        root, out, s->q.Materialize(rewriter, loc), s->k.Materialize(rewriter, loc),
        v->Materialize(rewriter, loc), mask, rewriter.getI64IntegerAttr(heads),
        rewriter.getF32FloatAttr(static_cast<float>(s->scale)), rewriter.getStringAttr(mode),
        rewriter.getF32FloatAttr(static_cast<float>(fill)));
    return mlir::success();
  }
};

struct FuseAttention : impl::AxleFuseAttentionBase<FuseAttention> {
  void runOnOperation() override {
    if (mlir::failed(ApplyPatterns<FuseAttentionPattern>(getOperation()))) signalPassFailure();
  }
};

}  // namespace
}  // namespace axle::passes
