// axle-fuse-gelu: the decomposed GELU forms that exporters emit -> axle.gelu.
//   erf:  x * (erf(x / sqrt 2) + 1) * 0.5        (x * 0.7071.. for the division, any factor order)
//   tanh: x * (tanh(sqrt(2/pi) * (x + 0.044715 * x^3)) + 1) * 0.5   (x^3 as pow or products)
#include <cmath>

#include "passes/FusionUtils.h"
#include "passes/Passes.h"

namespace axle::passes {

// clang-format off
#define GEN_PASS_DEF_AXLEFUSEGELU
#include "passes/Passes.h.inc"
// clang-format on

namespace {

using mlir::LogicalResult;
using mlir::PatternRewriter;
using mlir::Value;

// A product flattened through single-use muls (and divisions by constants): its non-constant
// factors, and the product of its constant factors.
struct Product {
  llvm::SmallVector<Value, 4> factors;
  double constant = 1.0;
  llvm::SmallVector<mlir::Operation*, 4> ops;  // the muls/divs absorbed, root first
};

void Flatten(Value v, bool is_root, Product* p) {
  if (auto c = ScalarConstant(v)) {
    p->constant *= *c;
    return;
  }
  mlir::Operation* def = v.getDefiningOp();
  if (def && (is_root || v.hasOneUse())) {
    if (auto mul = llvm::dyn_cast<ir::MulOp>(def)) {
      p->ops.push_back(def);
      Flatten(mul.getLhs(), false, p);
      Flatten(mul.getRhs(), false, p);
      return;
    }
    if (auto div = llvm::dyn_cast<ir::DivOp>(def))
      if (auto c = ScalarConstant(div.getRhs()); c && *c != 0) {
        p->ops.push_back(def);
        p->constant /= *c;
        Flatten(div.getLhs(), false, p);
        return;
      }
  }
  p->factors.push_back(v);
}

// `v` is `x`, possibly times constants: the constant (1 when v == x).
std::optional<double> ScaledX(Value v, Value x) {
  Product p;
  Flatten(v, true, &p);
  if (p.factors.size() == 1 && p.factors[0] == x) return p.constant;
  return std::nullopt;
}

// `v` is x^3 (pow(x, 3) or a product of three x's) times a constant: that constant.
std::optional<double> CubedX(Value v, Value x) {
  Product p;
  Flatten(v, true, &p);
  if (p.factors.size() == 3 && llvm::all_of(p.factors, [&](Value f) { return f == x; }))
    return p.constant;
  if (p.factors.size() == 1)
    if (auto pow = p.factors[0].getDefiningOp<ir::PowOp>();
        pow && pow.getLhs() == x && ScalarConstant(pow.getRhs()) == 3.0)
      return p.constant;
  return std::nullopt;
}

// `v` = 1 + t (either order) with t single-use: t.
Value OnePlus(Value v) {
  auto add = SingleUseDef<ir::AddOp>(v);
  if (!add) return {};
  if (ScalarConstant(add.getRhs()) == 1.0 && add.getLhs().hasOneUse()) return add.getLhs();
  if (ScalarConstant(add.getLhs()) == 1.0 && add.getRhs().hasOneUse()) return add.getRhs();
  return {};
}

// erf(x * 1/sqrt 2) for the given x.
bool IsErfArgument(Value t, Value x) {
  auto erf = t.getDefiningOp<ir::ErfOp>();
  if (!erf) return false;
  auto c = ScaledX(erf.getInput(), x);
  return c && Near(*c, 1.0 / std::sqrt(2.0));
}

// tanh(sqrt(2/pi) * (x + 0.044715 x^3)) for the given x.
bool IsTanhArgument(Value t, Value x) {
  auto tanh = t.getDefiningOp<ir::TanhOp>();
  if (!tanh) return false;
  Product outer;
  Flatten(tanh.getInput(), true, &outer);
  if (outer.factors.size() != 1 || !Near(outer.constant, std::sqrt(2.0 / M_PI))) return false;
  auto add = SingleUseDef<ir::AddOp>(outer.factors[0]);
  if (!add) return false;
  for (int side = 0; side < 2; ++side) {
    Value a = side ? add.getRhs() : add.getLhs(), b = side ? add.getLhs() : add.getRhs();
    if (a != x) continue;
    if (auto c = CubedX(b, x); c && Near(*c, 0.044715)) return true;
  }
  return false;
}

struct FuseDecomposedGelu : mlir::OpRewritePattern<ir::MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ir::MulOp root, PatternRewriter& rewriter) const override {
    // Only the outermost mul of the product is a root.
    if (root.getResult().hasOneUse())
      if (llvm::isa<ir::MulOp>(*root.getResult().getUsers().begin()))
        return rewriter.notifyMatchFailure(root, "not the outermost multiplication");
    Product p;
    Flatten(root.getResult(), true, &p);
    if (p.factors.size() != 2 || !Near(p.constant, 0.5))
      return rewriter.notifyMatchFailure(root, "not 0.5 * x * (1 + t)");
    for (int i = 0; i < 2; ++i) {
      Value x = p.factors[i], t = OnePlus(p.factors[1 - i]);
      if (!t || !IsF32Tensor(x) || x.getType() != root.getType()) continue;
      const char* form = IsErfArgument(t, x) ? "none" : IsTanhArgument(t, x) ? "tanh" : nullptr;
      if (!form) continue;
      rewriter.replaceOpWithNewOp<ir::GeluOp>(root, root.getType(), x, form);
      return mlir::success();
    }
    return rewriter.notifyMatchFailure(root, "the factors are not x and 1 + erf/tanh(..x..)");
  }
};

struct FuseGelu : impl::AxleFuseGeluBase<FuseGelu> {
  void runOnOperation() override {
    if (mlir::failed(ApplyPatterns<FuseDecomposedGelu>(getOperation()))) signalPassFailure();
  }
};

}  // namespace
}  // namespace axle::passes
