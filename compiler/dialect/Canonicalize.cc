// Canonicalization patterns that remove the differences between how exporters spell one graph,
// so that each fusion pattern needs to match one form only (canonicalize first, fuse second):
//   - chains of reshapes and transposes collapse to reshape -> (at most one) transpose ->
//     reshape, computed on the chain's "atoms" (the finest dimensions both ends agree on); a
//     chain whose atoms stay in order is a single reshape, and moves no data;
//   - gather of one constant index is a slice plus a reshape, and a slice of such a chain slices
//     the chain's source (nn.MultiheadAttention's packed QKV: reshape, transpose, gather 0/1/2
//     become three column slices of the projection);
//   - transposes sink below elementwise ops and keepdims reductions (layout changes around
//     channels-last convolutions then meet and cancel);
//   - pow(x, 2) is x * x, pow(x, 0.5) is sqrt(x), pow(x, -0.5) and 1 / x are reciprocals, x / c
//     is x * (1 / c) for a constant c.
#include <numeric>
#include <optional>

#include "compiler/dialect/AxleDialect.h"
#include "mlir/IR/PatternMatch.h"

namespace axle::ir {
namespace {

using llvm::ArrayRef;
using llvm::SmallVector;
using mlir::LogicalResult;
using mlir::PatternRewriter;
using mlir::RankedTensorType;
using mlir::Value;

// One view chain x -> ... -> y of reshapes and transposes, described by atoms: dimensions of
// size > 1 that no view splits further. `source` lists x's atoms dimension by dimension (in
// memory order), `result` y's; both hold every atom exactly once.
struct ViewAtoms {
  SmallVector<int64_t> size;                  // atom id -> size
  SmallVector<SmallVector<int>> source, now;  // per dimension, its atoms outermost first

  explicit ViewAtoms(ArrayRef<int64_t> shape) {
    for (int64_t d : shape) {
      now.emplace_back();
      if (d != 1) {
        now.back().push_back(static_cast<int>(size.size()));
        size.push_back(d);
      }
    }
    source = now;
  }

  // Atom `a` becomes (outer, inner) with sizes (outer_size, size[a] / outer_size), everywhere.
  void Split(int a, int64_t outer_size) {
    const int inner = static_cast<int>(size.size());
    size.push_back(size[a] / outer_size);
    size[a] = outer_size;
    for (auto* dims : {&source, &now})
      for (auto& atoms : *dims)
        for (size_t i = 0; i < atoms.size(); ++i)
          if (atoms[i] == a) {
            atoms.insert(atoms.begin() + i + 1, inner);
            break;
          }
  }

  bool Reshape(ArrayRef<int64_t> shape) {
    SmallVector<int> flat;
    for (auto& atoms : now) flat.append(atoms.begin(), atoms.end());
    SmallVector<SmallVector<int>> next;
    size_t at = 0;
    for (int64_t d : shape) {
      next.emplace_back();
      int64_t need = d;
      while (need > 1) {
        if (at >= flat.size()) return false;
        const int a = flat[at];
        if (size[a] <= need && need % size[a] == 0) {
          next.back().push_back(a);
          need /= size[a];
          ++at;
        } else if (size[a] > need && size[a] % need == 0) {
          Split(a, need);
          flat.insert(flat.begin() + at + 1, static_cast<int>(size.size()) - 1);
          next.back().push_back(a);
          need = 1;
          ++at;
        } else {
          return false;  // the boundaries of x and y cross: not a view of atoms
        }
      }
    }
    if (at != flat.size()) return false;
    now = std::move(next);
    return true;
  }

  void Transpose(ArrayRef<int64_t> perm) {
    SmallVector<SmallVector<int>> next;
    for (int64_t p : perm) next.push_back(now[p]);
    now = std::move(next);
  }

  static SmallVector<int> Flatten(const SmallVector<SmallVector<int>>& dims) {
    SmallVector<int> flat;
    for (auto& atoms : dims) flat.append(atoms.begin(), atoms.end());
    return flat;
  }
};

bool IsView(mlir::Operation* op) { return op && llvm::isa<ReshapeOp, TransposeOp>(op); }

// The view chain ending at `v`: its ops from the source outwards, and the source value.
SmallVector<mlir::Operation*> ViewChain(Value v, Value* source) {
  SmallVector<mlir::Operation*> chain;
  while (IsView(v.getDefiningOp()) && chain.size() < 16) {
    chain.push_back(v.getDefiningOp());
    v = v.getDefiningOp()->getOperand(0);
  }
  std::reverse(chain.begin(), chain.end());
  *source = v;
  return chain;
}

std::optional<ViewAtoms> AtomsOf(Value source, ArrayRef<mlir::Operation*> chain) {
  ViewAtoms atoms(llvm::cast<RankedTensorType>(source.getType()).getShape());
  for (mlir::Operation* op : chain) {
    if (auto t = llvm::dyn_cast<TransposeOp>(op)) {
      atoms.Transpose(t.getPerm());
    } else if (!atoms.Reshape(
                   llvm::cast<RankedTensorType>(op->getResult(0).getType()).getShape())) {
      return std::nullopt;
    }
  }
  return atoms;
}

// One step of a view chain: a reshape to `shape`, or a transpose by `perm` giving `shape`.
struct ViewStep {
  bool transpose = false;
  SmallVector<int64_t> shape, perm;
  bool operator==(const ViewStep& o) const {
    return transpose == o.transpose && shape == o.shape && perm == o.perm;
  }
};

// The canonical chain from a source of shape `from_shape` to `to_shape` for the atoms' final
// order: nothing or one reshape when the order is unchanged; else transpose(reshape(source))
// when every result dimension is a run of atoms in the source order too (the transpose then
// works at the result's rank: what the fusions match); else reshape, transpose, reshape, with
// atoms that stay adjacent merged.
SmallVector<ViewStep> CanonicalView(const ViewAtoms& atoms, ArrayRef<int64_t> from_shape,
                                    ArrayRef<int64_t> to_shape) {
  SmallVector<int> from = ViewAtoms::Flatten(atoms.source), to = ViewAtoms::Flatten(atoms.now);
  SmallVector<ViewStep> steps;
  auto reshape = [&](ArrayRef<int64_t> shape) {
    ArrayRef<int64_t> last = steps.empty() ? from_shape : ArrayRef<int64_t>(steps.back().shape);
    if (last != shape) steps.push_back({false, SmallVector<int64_t>(shape), {}});
  };
  if (from == to) {
    reshape(to_shape);
    return steps;
  }
  // Position of each atom in the source order.
  SmallVector<int> pos(atoms.size.size(), -1);
  for (size_t i = 0; i < from.size(); ++i) pos[from[i]] = static_cast<int>(i);
  // Result-rank form: each result dimension's atoms consecutive in the source order.
  bool aligned = true;
  SmallVector<std::pair<int, int64_t>> order;  // (first source position, result dim)
  for (size_t d = 0; d < atoms.now.size(); ++d) {
    const auto& list = atoms.now[d];
    for (size_t i = 1; i < list.size(); ++i) aligned &= pos[list[i]] == pos[list[i - 1]] + 1;
    if (!list.empty()) order.push_back({pos[list.front()], static_cast<int64_t>(d)});
  }
  if (aligned) {
    llvm::sort(order);
    // Non-unit result dims take the result's non-unit positions in source order; 1s stay.
    SmallVector<int64_t> slots;
    for (size_t d = 0; d < to_shape.size(); ++d)
      if (!atoms.now[d].empty()) slots.push_back(static_cast<int64_t>(d));
    SmallVector<int64_t> pre(to_shape.begin(), to_shape.end()), perm(to_shape.size());
    for (size_t d = 0; d < to_shape.size(); ++d) perm[d] = static_cast<int64_t>(d);
    for (size_t k = 0; k < order.size(); ++k) {
      pre[slots[k]] = to_shape[order[k].second];
      perm[order[k].second] = slots[k];
    }
    reshape(pre);
    steps.push_back({true, SmallVector<int64_t>(to_shape), perm});
    return steps;
  }
  // Merge runs that are consecutive in both orders into groups.
  SmallVector<int> group_of(atoms.size.size(), -1);
  SmallVector<int64_t> group_size;
  for (size_t i = 0; i < from.size(); ++i) {
    const bool extends = i > 0 && [&] {
      auto prev = std::find(to.begin(), to.end(), from[i - 1]);
      return prev + 1 != to.end() && *(prev + 1) == from[i];
    }();
    if (extends) {
      group_of[from[i]] = group_of[from[i - 1]];
      group_size.back() *= atoms.size[from[i]];
    } else {
      group_of[from[i]] = static_cast<int>(group_size.size());
      group_size.push_back(atoms.size[from[i]]);
    }
  }
  SmallVector<int64_t> perm, moved_shape;
  for (int a : to)
    if (perm.empty() || perm.back() != group_of[a]) perm.push_back(group_of[a]);
  for (int64_t p : perm) moved_shape.push_back(group_size[p]);
  reshape(group_size);
  steps.push_back({true, moved_shape, perm});
  reshape(to_shape);
  return steps;
}

SmallVector<ViewStep> StepsOf(ArrayRef<mlir::Operation*> chain) {
  SmallVector<ViewStep> steps;
  for (mlir::Operation* op : chain) {
    ViewStep s;
    auto shape = llvm::cast<RankedTensorType>(op->getResult(0).getType()).getShape();
    s.shape.assign(shape.begin(), shape.end());
    if (auto t = llvm::dyn_cast<TransposeOp>(op)) {
      s.transpose = true;
      s.perm.assign(t.getPerm().begin(), t.getPerm().end());
    }
    steps.push_back(std::move(s));
  }
  return steps;
}

Value EmitView(PatternRewriter& rewriter, mlir::Location loc, Value source,
               ArrayRef<ViewStep> steps, RankedTensorType type) {
  Value v = source;
  auto element = type.getElementType();
  for (const ViewStep& s : steps) {
    auto t = RankedTensorType::get(s.shape, element);
    if (s.transpose)
      v = rewriter.create<TransposeOp>(loc, t, v, rewriter.getDenseI64ArrayAttr(s.perm));
    else
      v = rewriter.create<ReshapeOp>(loc, t, v);
  }
  return v;
}

Value BuildView(PatternRewriter& rewriter, mlir::Location loc, Value source, const ViewAtoms& atoms,
                RankedTensorType type) {
  auto from = llvm::cast<RankedTensorType>(source.getType()).getShape();
  return EmitView(rewriter, loc, source, CanonicalView(atoms, from, type.getShape()), type);
}

int CountTransposes(ArrayRef<mlir::Operation*> chain) {
  return llvm::count_if(chain, [](mlir::Operation* op) { return llvm::isa<TransposeOp>(op); });
}

// A chain of views with a transpose becomes its canonical form (CanonicalView): at most one
// transpose, at the result's rank where the atoms allow.
template <typename OpTy>
struct CollapseViewChain : mlir::OpRewritePattern<OpTy> {
  using mlir::OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter& rewriter) const override {
    Value source;
    auto chain = ViewChain(op.getResult(), &source);
    if (CountTransposes(chain) == 0)
      return rewriter.notifyMatchFailure(op, "no transpose in the chain");
    auto atoms = AtomsOf(source, chain);
    if (!atoms) return rewriter.notifyMatchFailure(op, "the views do not share atoms");
    auto type = llvm::cast<RankedTensorType>(op.getType());
    auto canonical = CanonicalView(
        *atoms, llvm::cast<RankedTensorType>(source.getType()).getShape(), type.getShape());
    if (StepsOf(chain) == canonical)
      return rewriter.notifyMatchFailure(op, "already in canonical form");
    rewriter.replaceOp(op, EmitView(rewriter, op.getLoc(), source, canonical, type));
    return mlir::success();
  }
};

// gather(x, i) along an axis with one constant index i: slice [i, i + 1) and drop the axis.
struct GatherOfOneIndex : mlir::OpRewritePattern<GatherOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GatherOp op, PatternRewriter& rewriter) const override {
    auto indices = op.getIndices().getDefiningOp<ConstantOp>();
    auto dense = indices ? llvm::dyn_cast<mlir::DenseIntElementsAttr>(indices.getValue())
                         : mlir::DenseIntElementsAttr();
    auto data = llvm::cast<RankedTensorType>(op.getData().getType());
    if (!dense || dense.getNumElements() != 1 ||
        llvm::cast<RankedTensorType>(dense.getType()).getRank() != 0)
      return rewriter.notifyMatchFailure(op, "not one constant index");
    const int64_t axis = op.getAxis(), n = data.getDimSize(axis);
    int64_t i = (*dense.getValues<llvm::APInt>().begin()).getSExtValue();
    if (i < 0) i += n;
    if (i < 0 || i >= n) return rewriter.notifyMatchFailure(op, "index out of range");
    SmallVector<int64_t> starts(data.getRank(), 0), steps(data.getRank(), 1),
        shape(data.getShape());
    starts[axis] = i;
    shape[axis] = 1;
    auto slice = rewriter.create<SliceOp>(
        op.getLoc(), RankedTensorType::get(shape, data.getElementType()), op.getData(),
        rewriter.getDenseI64ArrayAttr(starts), rewriter.getDenseI64ArrayAttr(steps));
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), slice.getResult());
    return mlir::success();
  }
};

// slice(views(x)) along one dimension whose outermost atom is the outermost atom of one of x's
// dimensions, in whole steps of the atoms inside it: slice x there, then apply the views.
struct SliceOfViews : mlir::OpRewritePattern<SliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SliceOp op, PatternRewriter& rewriter) const override {
    Value source;
    auto chain = ViewChain(op.getInput(), &source);
    if (chain.empty()) return rewriter.notifyMatchFailure(op, "the input is not a view");
    auto in = llvm::cast<RankedTensorType>(op.getInput().getType());
    auto out = llvm::cast<RankedTensorType>(op.getType());
    int dim = -1;
    for (int64_t d = 0; d < in.getRank(); ++d)
      if (in.getDimSize(d) != out.getDimSize(d) || op.getStarts()[d] != 0) {
        if (dim >= 0 || op.getSteps()[d] != 1) return rewriter.notifyMatchFailure(op, "not one");
        dim = static_cast<int>(d);
      }
    if (dim < 0) return rewriter.notifyMatchFailure(op, "slices nothing");
    // The whole chain first; else a later view in it (RoPE's rotate_half slices the head
    // dimension, whole in [B, S, H, d] but not in the [B, S, H*d] the chain starts from).
    for (size_t first = 0; first < chain.size(); ++first) {
      Value from = first ? chain[first - 1]->getResult(0) : source;
      if (Rewrite(op, rewriter, from, ArrayRef(chain).drop_front(first), dim, in, out))
        return mlir::success();
    }
    return rewriter.notifyMatchFailure(op, "the sliced atoms are not outermost in any source");
  }

  static bool Rewrite(SliceOp op, PatternRewriter& rewriter, Value source,
                      ArrayRef<mlir::Operation*> chain, int dim, RankedTensorType in,
                      RankedTensorType out) {
    auto atoms = AtomsOf(source, chain);
    if (!atoms || atoms->now[dim].empty()) return false;
    const int outer = atoms->now[dim].front();
    const int64_t inner = in.getDimSize(dim) / atoms->size[outer];
    const int64_t begin = op.getStarts()[dim], count = out.getDimSize(dim);
    if (begin % inner || count % inner) return false;  // the slice cuts inside an atom
    int src_dim = -1;
    for (size_t d = 0; d < atoms->source.size(); ++d)
      if (!atoms->source[d].empty() && atoms->source[d].front() == outer) src_dim = d;
    if (src_dim < 0) return false;  // the atom is not outermost in the source
    auto src = llvm::cast<RankedTensorType>(source.getType());
    const int64_t src_inner = src.getDimSize(src_dim) / atoms->size[outer];
    SmallVector<int64_t> starts(src.getRank(), 0), steps(src.getRank(), 1), shape(src.getShape());
    starts[src_dim] = begin / inner * src_inner;
    shape[src_dim] = count / inner * src_inner;
    auto sliced = rewriter.create<SliceOp>(
        op.getLoc(), RankedTensorType::get(shape, src.getElementType()), source,
        rewriter.getDenseI64ArrayAttr(starts), rewriter.getDenseI64ArrayAttr(steps));
    ViewAtoms narrowed = *atoms;
    narrowed.size[outer] = count / inner;
    if (narrowed.size[outer] == 1) {  // atoms have sizes above 1: drop it
      for (auto* dims : {&narrowed.source, &narrowed.now})
        for (auto& list : *dims) llvm::erase(list, outer);
    }
    rewriter.replaceOp(op, BuildView(rewriter, op.getLoc(), sliced.getResult(), narrowed, out));
    return true;
  }
};

SmallVector<int64_t> InversePerm(ArrayRef<int64_t> perm) {
  SmallVector<int64_t> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inverse[perm[i]] = static_cast<int64_t>(i);
  return inverse;
}

RankedTensorType WithShape(RankedTensorType like, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, like.getElementType());
}

bool IsElementwiseUnary(mlir::Operation* op) {
  return llvm::isa<ReluOp, ClipOp, SigmoidOp, TanhOp, ErfOp, ExpOp, NegOp, AbsOp, SqrtOp,
                   LeakyReluOp, ReciprocalOp>(op);
}

// unary(transpose(x, p)) -> transpose(unary(x), p), the transpose used only there.
struct SinkTransposeBelowUnary : mlir::RewritePattern {
  explicit SinkTransposeBelowUnary(mlir::MLIRContext* context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}
  LogicalResult matchAndRewrite(mlir::Operation* op, PatternRewriter& rewriter) const override {
    if (!IsElementwiseUnary(op) || op->getNumOperands() != 1)
      return rewriter.notifyMatchFailure(op, "not an elementwise unary op");
    auto t = op->getOperand(0).getDefiningOp<TransposeOp>();
    if (!t || !t.getResult().hasOneUse() || op->getResult(0).getType() != t.getType())
      return rewriter.notifyMatchFailure(op, "the operand is not a private transpose");
    mlir::Operation* moved = rewriter.clone(*op);
    moved->setOperand(0, t.getInput());
    moved->getResult(0).setType(t.getInput().getType());
    rewriter.replaceOpWithNewOp<TransposeOp>(op, op->getResult(0).getType(), moved->getResult(0),
                                             t.getPermAttr());
    return mlir::success();
  }
};

// binary(transpose(a, p), transpose(b, p)) or binary(transpose(a, p), constant c) ->
// transpose(binary(a, b or c transposed back), p), for results of the transposed shape.
template <typename OpTy>
struct SinkTransposeBelowBinary : mlir::OpRewritePattern<OpTy> {
  using mlir::OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter& rewriter) const override {
    auto type = llvm::cast<RankedTensorType>(op.getType());
    auto lt = op.getLhs().template getDefiningOp<TransposeOp>();
    auto rt = op.getRhs().template getDefiningOp<TransposeOp>();
    TransposeOp t = lt ? lt : rt;
    if (!t || t.getType() != type)
      return rewriter.notifyMatchFailure(op, "no operand is a transpose of the result's shape");
    auto perm = t.getPerm();
    auto inverse = InversePerm(perm);
    auto back = [&](Value v) -> Value {
      if (auto vt = v.getDefiningOp<TransposeOp>(); vt && vt.getPerm() == perm) {
        if (vt.getType() != type) return {};
        return vt.getInput();
      }
      if (!v.getDefiningOp<ConstantOp>()) return {};
      auto ct = llvm::cast<RankedTensorType>(v.getType());
      if (ct.getRank() > type.getRank()) return {};
      SmallVector<int64_t> full(type.getRank() - ct.getRank(), 1);
      full.append(ct.getShape().begin(), ct.getShape().end());
      Value c = v;
      if (ct.getRank() != type.getRank())
        c = rewriter.create<ReshapeOp>(v.getLoc(), WithShape(ct, full), v);
      SmallVector<int64_t> moved;
      for (int64_t q : inverse) moved.push_back(full[q]);
      return rewriter.create<TransposeOp>(v.getLoc(), WithShape(ct, moved), c,
                                          rewriter.getDenseI64ArrayAttr(inverse));
    };
    const bool both = lt && rt;
    auto other = (lt ? op.getRhs() : op.getLhs()).template getDefiningOp<ConstantOp>();
    if (!both && !other)
      return rewriter.notifyMatchFailure(op,
                                         "the other operand is neither transposed nor constant");
    // A splat (attention's scale on q or k) needs no layout: the transpose stays above it, where
    // the attention fusion looks for it.
    if (!both) {
      auto dense = llvm::dyn_cast<mlir::DenseElementsAttr>(other.getValue());
      if (!dense || dense.isSplat() || dense.getNumElements() == 1)
        return rewriter.notifyMatchFailure(op, "a splat constant: nothing to move");
    }
    if (!both && !t.getResult().hasOneUse())
      return rewriter.notifyMatchFailure(op, "the transpose has other users");
    Value lhs = back(op.getLhs()), rhs = back(op.getRhs());
    if (!lhs || !rhs) return rewriter.notifyMatchFailure(op, "operands do not move back");
    auto inner = rewriter.create<OpTy>(op.getLoc(), t.getInput().getType(), lhs, rhs);
    rewriter.replaceOpWithNewOp<TransposeOp>(op, type, inner.getResult(), t.getPermAttr());
    return mlir::success();
  }
};

// concat(transpose(a, p), transpose(b, p), ..., axis) -> transpose(concat(a, b, ..., p[axis]), p)
// (rotate_half in RoPE: its halves then stay in the layout the heads came in).
struct SinkTransposeBelowConcat : mlir::OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConcatOp op, PatternRewriter& rewriter) const override {
    SmallVector<Value> inner;
    ArrayRef<int64_t> perm;
    for (Value v : op.getInputs()) {
      auto t = v.getDefiningOp<TransposeOp>();
      if (!t || !t.getResult().hasOneUse() || (!perm.empty() && t.getPerm() != perm))
        return rewriter.notifyMatchFailure(op, "not all inputs private transposes by one perm");
      perm = t.getPerm();
      inner.push_back(t.getInput());
    }
    if (inner.empty()) return rewriter.notifyMatchFailure(op, "no inputs");
    const int64_t axis = perm[op.getAxis()];
    auto type = llvm::cast<RankedTensorType>(op.getType());
    SmallVector<int64_t> shape(llvm::cast<RankedTensorType>(inner[0].getType()).getShape());
    shape[axis] = type.getDimSize(op.getAxis());
    auto concat = rewriter.create<ConcatOp>(op.getLoc(), WithShape(type, shape), inner,
                                            rewriter.getI64IntegerAttr(axis));
    rewriter.replaceOpWithNewOp<TransposeOp>(op, type, concat.getResult(),
                                             rewriter.getDenseI64ArrayAttr(perm));
    return mlir::success();
  }
};

// reduce_mean(transpose(x, p), axes, keepdims) -> transpose(reduce_mean(x, p[axes]), p).
struct SinkTransposeBelowMean : mlir::OpRewritePattern<ReduceMeanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReduceMeanOp op, PatternRewriter& rewriter) const override {
    auto t = op.getInput().getDefiningOp<TransposeOp>();
    if (!t || !op.getKeepdims() || !t.getResult().hasOneUse())
      return rewriter.notifyMatchFailure(op, "not a keepdims mean of a private transpose");
    auto perm = t.getPerm();
    SmallVector<int64_t> axes;
    for (int64_t a : op.getAxes()) axes.push_back(perm[a]);
    llvm::sort(axes);
    auto in = llvm::cast<RankedTensorType>(t.getInput().getType());
    SmallVector<int64_t> shape(in.getShape());
    for (int64_t a : axes) shape[a] = 1;
    auto mean = rewriter.create<ReduceMeanOp>(op.getLoc(), WithShape(in, shape), t.getInput(),
                                              rewriter.getDenseI64ArrayAttr(axes),
                                              rewriter.getBoolAttr(true));
    rewriter.replaceOpWithNewOp<TransposeOp>(op, op.getType(), mean.getResult(), t.getPermAttr());
    return mlir::success();
  }
};

// pool(transpose(x [N,H,W,C], [0,3,1,2])) -> transpose(channels-last pool(x)), for 2-D max and
// average pools with the floor extent (what the channels-last kernel computes).
struct SinkTransposeBelowPool : mlir::OpRewritePattern<PoolOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(PoolOp op, PatternRewriter& rewriter) const override {
    auto t = op.getInput().getDefiningOp<TransposeOp>();
    if (!t || op.getChannelsLast() || t.getPerm() != ArrayRef<int64_t>({0, 3, 1, 2}) ||
        !t.getResult().hasOneUse())
      return rewriter.notifyMatchFailure(op, "not a pool of a channels-last tensor");
    if (op.getKind() != "max" && op.getKind() != "average")
      return rewriter.notifyMatchFailure(op, "only max and average pools have the kernel");
    auto in = llvm::cast<RankedTensorType>(t.getInput().getType());
    auto out = llvm::cast<RankedTensorType>(op.getType());
    auto k = op.getKernel(), s = op.getStrides(), p = op.getPads(), d = op.getDilations();
    if (k.size() != 2) return rewriter.notifyMatchFailure(op, "not a 2-D pool");
    for (int i = 0; i < 2; ++i) {
      const int64_t span = in.getDimSize(1 + i) + p[i] + p[2 + i] - ((k[i] - 1) * d[i] + 1);
      if (span < 0 || span / s[i] + 1 != out.getDimSize(2 + i))
        return rewriter.notifyMatchFailure(op, "ceil-mode extent");
    }
    auto cl =
        WithShape(in, {out.getDimSize(0), out.getDimSize(2), out.getDimSize(3), out.getDimSize(1)});
    auto pool = rewriter.create<PoolOp>(op.getLoc(), cl, t.getInput(), op.getKindAttr(),
                                        op.getKernelAttr(), op.getStridesAttr(), op.getPadsAttr(),
                                        op.getDilationsAttr(), op.getCountIncludePadAttr(),
                                        op.getPAttr(), rewriter.getBoolAttr(true));
    rewriter.replaceOpWithNewOp<TransposeOp>(op, out, pool.getResult(), t.getPermAttr());
    return mlir::success();
  }
};

// pow(x, c) for c in {1, 2, 0.5, -0.5}: x, x * x, sqrt(x), 1 / sqrt(x).
struct PowOfConstant : mlir::OpRewritePattern<PowOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(PowOp op, PatternRewriter& rewriter) const override {
    auto c = op.getRhs().getDefiningOp<ConstantOp>();
    auto dense = c ? llvm::dyn_cast<mlir::DenseFPElementsAttr>(c.getValue()) : nullptr;
    if (!dense || !dense.isSplat() || op.getType() != op.getLhs().getType())
      return rewriter.notifyMatchFailure(op, "not x to a scalar constant power, of x's type");
    const double e = dense.getSplatValue<llvm::APFloat>().convertToDouble();
    Value x = op.getLhs();
    if (e == 1) {
      rewriter.replaceOp(op, x);
    } else if (e == 2) {
      rewriter.replaceOpWithNewOp<MulOp>(op, op.getType(), x, x);
    } else if (e == 0.5) {
      rewriter.replaceOpWithNewOp<SqrtOp>(op, op.getType(), x);
    } else if (e == -0.5) {
      auto root = rewriter.create<SqrtOp>(op.getLoc(), op.getType(), x);
      rewriter.replaceOpWithNewOp<ReciprocalOp>(op, op.getType(), root.getResult());
    } else {
      return rewriter.notifyMatchFailure(op, "an exponent without a cheaper form");
    }
    return mlir::success();
  }
};

// 1 / x -> reciprocal(x); x / c -> x * (1 / c) for a float constant c (the scale of attention
// scores, GELU's 1 / sqrt 2), so that fusions see products only.
struct DivCanonical : mlir::OpRewritePattern<DivOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DivOp op, PatternRewriter& rewriter) const override {
    auto type = llvm::cast<RankedTensorType>(op.getType());
    if (!type.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "integer division truncates");
    auto splat = [](Value v) -> std::optional<double> {
      auto c = v.getDefiningOp<ConstantOp>();
      auto d = c ? llvm::dyn_cast<mlir::DenseFPElementsAttr>(c.getValue()) : nullptr;
      if (!d || !d.isSplat()) return std::nullopt;
      return d.getSplatValue<llvm::APFloat>().convertToDouble();
    };
    if (auto one = splat(op.getLhs()); one && *one == 1.0 && op.getRhs().getType() == type) {
      rewriter.replaceOpWithNewOp<ReciprocalOp>(op, type, op.getRhs());
      return mlir::success();
    }
    auto rhs = op.getRhs().getDefiningOp<ConstantOp>();
    auto dense = rhs ? llvm::dyn_cast<mlir::DenseFPElementsAttr>(rhs.getValue()) : nullptr;
    if (!dense) return rewriter.notifyMatchFailure(op, "the divisor is not a constant");
    SmallVector<float> inverse;
    for (const llvm::APFloat& x : dense.getValues<llvm::APFloat>()) {
      const float f = x.convertToFloat();
      if (f == 0) return rewriter.notifyMatchFailure(op, "division by zero stays");
      inverse.push_back(1.0f / f);
    }
    auto c = rewriter.create<ConstantOp>(
        rhs.getLoc(), dense.getType(),
        mlir::DenseElementsAttr::get(llvm::cast<mlir::ShapedType>(dense.getType()),
                                     ArrayRef<float>(inverse)));
    rewriter.replaceOpWithNewOp<MulOp>(op, type, op.getLhs(), c.getResult());
    return mlir::success();
  }
};

}  // namespace

void TransposeOp::getCanonicalizationPatterns(mlir::RewritePatternSet& patterns,
                                              mlir::MLIRContext* context) {
  AddTransposeFolds(patterns, context);
  patterns
      .add<CollapseViewChain<TransposeOp>, SinkTransposeBelowUnary, SinkTransposeBelowBinary<AddOp>,
           SinkTransposeBelowBinary<SubOp>, SinkTransposeBelowBinary<MulOp>,
           SinkTransposeBelowBinary<MaxOp>, SinkTransposeBelowBinary<MinOp>, SinkTransposeBelowMean,
           SinkTransposeBelowPool, SinkTransposeBelowConcat>(context);
}
void ReshapeOp::getCanonicalizationPatterns(mlir::RewritePatternSet& patterns,
                                            mlir::MLIRContext* context) {
  AddReshapeFolds(patterns, context);
  patterns.add<CollapseViewChain<ReshapeOp>>(context);
}
void GatherOp::getCanonicalizationPatterns(mlir::RewritePatternSet& patterns,
                                           mlir::MLIRContext* context) {
  patterns.add<GatherOfOneIndex>(context);
}
void SliceOp::getCanonicalizationPatterns(mlir::RewritePatternSet& patterns,
                                          mlir::MLIRContext* context) {
  patterns.add<SliceOfViews>(context);
}
void PowOp::getCanonicalizationPatterns(mlir::RewritePatternSet& patterns,
                                        mlir::MLIRContext* context) {
  patterns.add<PowOfConstant>(context);
}
void DivOp::getCanonicalizationPatterns(mlir::RewritePatternSet& patterns,
                                        mlir::MLIRContext* context) {
  patterns.add<DivCanonical>(context);
}

}  // namespace axle::ir
