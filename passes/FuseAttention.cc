// axle-fuse-attention: the multi-head attention subgraph exporters emit -> axle.attention.
//   qh = transpose(reshape(q, [B,Sq,H,dk]), [0,2,1,3])        (likewise v)
//   kt = transpose(reshape(k, [B,Sk,H,dk]), [0,2,3,1])        (or [0,2,1,3] then [0,1,3,2])
//   s  = matmul(qh, kt), scaled by a constant (div or mul, or sqrt-scales on qh and kt)
//   s  = s + mask | where(cond, s, fill) | where(cond, fill, s)      (optional)
//   p  = softmax(s, axis 3), optionally where(isnan(p), 0, p)     (SDPA's guard: zero_empty_rows)
//   y  = reshape(transpose(matmul(p, vh), [0,2,1,3]), [B,Sq,H*dv])
// kh and vh may be repeat_kv(x) = reshape(expand(reshape(x [B,G,S,d] -> [B,G,1,S,d]) ->
// [B,G,H/G,S,d]) -> [B,H,S,d]): grouped-query attention on x's G heads (kv_heads = G).
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

// One attention operand as [B, S, H*d]: the value the heads were split from, a constant
// merged back at compile time, or (when the split is not recognized) the split [B, H, S, d]
// value itself (keys: [B, H, d, S]), merged back by a transpose and a reshape.
struct Heads {
  Value x;                         // [B, S, H*d]
  mlir::DenseElementsAttr folded;  // a constant operand already split (folded at compile time)
  int64_t heads = 0;
  Value split;              // the [B, H, S, d] (or [B, H, d, S] when keys) value
  bool transposed = false;  // split is [B, H, d, S]

  mlir::RankedTensorType type() const {
    if (x) return TensorTypeOf(x);
    if (folded) return llvm::cast<mlir::RankedTensorType>(folded.getType());
    auto t = TensorTypeOf(split);
    const int r = t.getRank() - 4;  // 1 for [B, H, 1, S, d] (repeat_kv's unsqueezed heads)
    const int64_t s = t.getDimSize(r + (transposed ? 3 : 2)),
                  d = t.getDimSize(r + (transposed ? 2 : 3));
    return mlir::RankedTensorType::get({t.getDimSize(0), s, heads * d}, t.getElementType());
  }
  Value Materialize(PatternRewriter& rewriter, mlir::Location loc) const {
    if (x) return x;
    if (folded) return rewriter.create<ir::ConstantOp>(loc, folded.getType(), folded).getResult();
    auto t = TensorTypeOf(split);
    const int64_t b = t.getDimSize(0), s = type().getDimSize(1), d = type().getDimSize(2) / heads;
    Value split = this->split;
    if (t.getRank() == 5) {
      t = mlir::RankedTensorType::get({b, heads, transposed ? d : s, transposed ? s : d},
                                      t.getElementType());
      split = rewriter.create<ir::ReshapeOp>(loc, t, split).getResult();
    }
    auto perm = transposed ? llvm::SmallVector<int64_t>{0, 3, 1, 2}
                           : llvm::SmallVector<int64_t>{0, 2, 1, 3};
    auto moved = rewriter.create<ir::TransposeOp>(
        loc, mlir::RankedTensorType::get({b, s, heads, d}, t.getElementType()), split,
        rewriter.getDenseI64ArrayAttr(perm));
    return rewriter.create<ir::ReshapeOp>(loc, type(), moved.getResult()).getResult();
  }
};

// Any f32 [B, H, S, d] value (or [B, H, d, S] for keys) as an operand to merge back.
std::optional<Heads> RawHeads(Value v, bool transposed) {
  if (!IsF32Tensor(v) || TensorTypeOf(v).getRank() != 4) return std::nullopt;
  return Heads{Value(), nullptr, TensorTypeOf(v).getDimSize(1), v, transposed};
}

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
  return Heads{Value(), mlir::DenseElementsAttr::get(type, llvm::ArrayRef<float>(merged)), h,
               Value(), false};
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
  return Heads{r.getInput(), nullptr, out.getDimSize(2), Value(), false};
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

// repeat_kv(x) -> x [B, G, S, d] (or the unsqueezed [B, G, 1, S, d] when canonicalization
// merged the unsqueeze into the views before it), with *repeat = H / G; or null.
Value StripRepeatKv(Value v, int64_t* repeat) {
  auto merge = v.getDefiningOp<ir::ReshapeOp>();
  auto expand = merge ? merge.getInput().getDefiningOp<ir::ExpandOp>() : ir::ExpandOp();
  if (!expand) return {};
  auto u = TensorTypeOf(expand.getInput()), e = TensorTypeOf(expand.getResult());
  auto m = TensorTypeOf(merge.getResult());
  if (u.getRank() != 5 || e.getRank() != 5 || m.getRank() != 4) return {};
  const int64_t b = u.getDimSize(0), g = u.getDimSize(1), s = u.getDimSize(3), d = u.getDimSize(4),
                n = e.getDimSize(2);
  if (u.getDimSize(2) != 1 || e.getShape() != llvm::ArrayRef<int64_t>({b, g, n, s, d}) ||
      m.getShape() != llvm::ArrayRef<int64_t>({b, g * n, s, d}) || !IsF32Tensor(v))
    return {};
  *repeat = n;
  if (auto unsqueeze = expand.getInput().getDefiningOp<ir::ReshapeOp>())
    if (TensorTypeOf(unsqueeze.getInput()).getShape() == llvm::ArrayRef<int64_t>({b, g, s, d}))
      return unsqueeze.getInput();
  return expand.getInput();
}

// Unsqueezed [B, G, 1, S, d] heads as an operand to merge back.
std::optional<Heads> RawUnsqueezedHeads(Value v) {
  if (TensorTypeOf(v).getRank() != 5) return std::nullopt;
  return Heads{Value(), nullptr, TensorTypeOf(v).getDimSize(1), v, false};
}

// Keys or values as [B, G, S, d] heads (keys: [B, G, d, S] when `transposed`), looking through
// repeat_kv; *repeat is H / G (1 without grouping).
std::optional<Heads> KvHeads(Value v, bool transposed, int64_t* repeat) {
  *repeat = 1;
  if (transposed) {
    if (auto t = v.getDefiningOp<ir::TransposeOp>(); PermIs(t, {0, 1, 3, 2}))
      if (Value x = StripRepeatKv(t.getInput(), repeat)) {
        if (TensorTypeOf(x).getRank() == 5) return RawUnsqueezedHeads(x);
        auto h = SplitHeads(x);
        return h ? h : RawHeads(x, false);
      }
    auto h = SplitHeadsTransposed(v);
    return h ? h : RawHeads(v, true);
  }
  if (Value x = StripRepeatKv(v, repeat)) v = x;
  if (TensorTypeOf(v).getRank() == 5) return RawUnsqueezedHeads(v);
  auto h = SplitHeads(v);
  return h ? h : RawHeads(v, false);
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
  int64_t k_repeat = 1;  // query heads per key head
  double scale = 1.0;
};

// scale * matmul(qh, kt), with the scale anywhere along the chain.
std::optional<Scores> ParseScores(Value s) {
  Scores r;
  auto mm = SingleUseDef<ir::MatMulOp>(StripScale(s, &r.scale));
  if (!mm) return std::nullopt;
  Value qv = StripScale(mm.getLhs(), &r.scale, /*shared=*/true);
  Value kv = StripScale(mm.getRhs(), &r.scale, /*shared=*/true);
  auto q = SplitHeads(qv);
  if (!q) q = RawHeads(qv, false);
  auto k = KvHeads(kv, /*transposed=*/true, &r.k_repeat);
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

// The head merge after pv: reshape(transpose(pv, [0,2,1,3]), [B, Sq, H*dv]), or null.
ir::ReshapeOp MergeOf(ir::MatMulOp pv) {
  if (!pv.getResult().hasOneUse()) return {};
  auto t = llvm::dyn_cast<ir::TransposeOp>(*pv.getResult().getUsers().begin());
  if (!PermIs(t, {0, 2, 1, 3}) || !t.getResult().hasOneUse()) return {};
  auto r = llvm::dyn_cast<ir::ReshapeOp>(*t.getResult().getUsers().begin());
  return r && TensorTypeOf(r.getResult()).getRank() == 3 ? r : ir::ReshapeOp();
}

// Rooted at matmul(softmax(scores), v) [B, H, Sq, dv]: the recognized head splits and merge
// are absorbed; unrecognized ones (other exporters' layouts) get a transpose + reshape to or
// from the attention op's [B, S, H*d] operands, which canonicalization then simplifies.
struct FuseAttentionPattern : mlir::OpRewritePattern<ir::MatMulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ir::MatMulOp pv, PatternRewriter& rewriter) const override {
    auto root_type = TensorTypeOf(pv.getResult());
    // where(not(equal(p, p)), 0, p): the NaN of a fully masked row replaced by 0.
    Value p = pv.getLhs();
    bool zero_empty_rows = false;
    ir::EqualOp nan_test;
    if (auto guard = SingleUseDef<ir::WhereOp>(p)) {
      auto negate = guard.getCond().getDefiningOp<ir::NotOp>();
      nan_test = negate ? negate.getInput().getDefiningOp<ir::EqualOp>() : ir::EqualOp();
      if (nan_test && nan_test.getLhs() == guard.getY() && nan_test.getRhs() == guard.getY() &&
          ScalarConstant(guard.getX()) == 0.0 && guard.getType() == guard.getY().getType()) {
        p = guard.getY();
        zero_empty_rows = true;
      }
    }
    auto probs = p.getDefiningOp<ir::SoftmaxOp>();
    const bool probs_private = llvm::all_of(p.getUsers(), [&](mlir::Operation* user) {
      return zero_empty_rows ? user == nan_test || user == pv.getLhs().getDefiningOp()
                             : user == pv.getOperation();
    });
    if (root_type.getRank() != 4 || !probs || probs.getAxis() != 3 || !IsF32Tensor(p) ||
        !probs_private)
      return rewriter.notifyMatchFailure(pv, "not matmul(softmax(scores, axis 3), v)");
    int64_t v_repeat = 1;
    auto v = KvHeads(pv.getRhs(), /*transposed=*/false, &v_repeat);
    if (!v) return rewriter.notifyMatchFailure(pv, "v is not [B, H, Sk, dv]");
    ir::ReshapeOp merge = MergeOf(pv);
    mlir::Operation* root = merge ? merge.getOperation() : pv.getOperation();

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
    if (!s) return rewriter.notifyMatchFailure(pv, "scores are not scale * q k^T (+ mask)");

    const auto q_type = s->q.type(), k_type = s->k.type(), v_type = v->type();
    const int64_t heads = s->q.heads, kv_heads = s->k.heads;
    if (v->heads != kv_heads || s->k.heads * s->k_repeat != heads || v->heads * v_repeat != heads ||
        k_type.getDimSize(2) / kv_heads != q_type.getDimSize(2) / heads ||
        k_type.getDimSize(1) != v_type.getDimSize(1) ||
        k_type.getDimSize(0) != q_type.getDimSize(0) ||
        v_type.getDimSize(0) != q_type.getDimSize(0))
      return rewriter.notifyMatchFailure(pv, "q, k and v disagree in heads, batch or length");
    const int64_t b = q_type.getDimSize(0), sq = q_type.getDimSize(1),
                  dv = v_type.getDimSize(2) / kv_heads * heads;
    auto out = mlir::RankedTensorType::get({b, sq, dv}, root_type.getElementType());
    if (merge && TensorTypeOf(merge.getResult()) != out) merge = {}, root = pv;
    if (root_type.getShape() != llvm::ArrayRef<int64_t>({b, heads, sq, dv / heads}))
      return rewriter.notifyMatchFailure(pv, "the result is not [B, H, Sq, dv]");
    if (mask && !BroadcastsTo(TensorTypeOf(mask), {b, heads, sq, k_type.getDimSize(1)}))
      return rewriter.notifyMatchFailure(pv, "the mask does not broadcast to [B,H,Sq,Sk]");

    const mlir::Location loc = root->getLoc();
    rewriter.setInsertionPoint(root);
    auto attention = rewriter.create<ir::AttentionOp>(
        loc, out, s->q.Materialize(rewriter, loc), s->k.Materialize(rewriter, loc),
        v->Materialize(rewriter, loc), mask, rewriter.getI64IntegerAttr(heads),
        rewriter.getF32FloatAttr(static_cast<float>(s->scale)), rewriter.getStringAttr(mode),
        rewriter.getF32FloatAttr(static_cast<float>(fill)),
        rewriter.getI64IntegerAttr(kv_heads == heads ? 0 : kv_heads),
        rewriter.getBoolAttr(zero_empty_rows));
    if (merge) {
      rewriter.replaceOp(merge, attention.getResult());
      return mlir::success();
    }
    // Split the result back into [B, H, Sq, dv] for pv's users.
    auto split = rewriter.create<ir::ReshapeOp>(
        loc, mlir::RankedTensorType::get({b, sq, heads, dv / heads}, out.getElementType()),
        attention.getResult());
    rewriter.replaceOpWithNewOp<ir::TransposeOp>(pv, root_type, split.getResult(),
                                                 rewriter.getDenseI64ArrayAttr({0, 2, 1, 3}));
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
