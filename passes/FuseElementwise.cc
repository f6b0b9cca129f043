// axle-fuse-elementwise: a chain (tree) of f32 elementwise ops whose intermediates have one use
// and the result's shape -> one axle.fused_elementwise evaluating them as a stack program.
#include "compiler/dialect/RuntimeSteps.h"
#include "kernels/ref/ref_kernels.h"
#include "passes/FusionUtils.h"
#include "passes/Passes.h"

namespace axle::passes {

// clang-format off
#define GEN_PASS_DEF_AXLEFUSEELEMENTWISE
#include "passes/Passes.h.inc"
// clang-format on

namespace {

using mlir::LogicalResult;
using mlir::Operation;
using mlir::PatternRewriter;
using mlir::Value;

// The program instruction of an op that can join a fused program, or "".
std::string InstructionOf(Operation* op) {
  if (!op || op->getNumResults() != 1 || !IsF32Tensor(op->getResult(0))) return "";
  for (Value v : op->getOperands())
    if (!IsF32Tensor(v)) return "";
  if (auto gelu = llvm::dyn_cast<ir::GeluOp>(op))
    return gelu.getApproximate() == "tanh" ? "gelu_tanh" : "gelu";
  llvm::StringRef name = op->getName().getStringRef();
  if (!name.consume_front("axle.") || !ir::ElementwiseOpCode(name)) return "";
  return name.str();
}

struct Builder {
  Value root;
  llvm::SmallVector<Value, ref::kMaxElementwiseInputs> inputs;
  llvm::SmallVector<mlir::Attribute> program;
  llvm::SmallVector<float> constants;
  int depth = 0, max_depth = 0, absorbed = 0;
  mlir::Builder* b;

  void Push(std::string text) {
    program.push_back(b->getStringAttr(text));
    max_depth = std::max(max_depth, ++depth);
  }

  bool Absorbable(Value v) const {
    return v.hasOneUse() && v.getType() == root.getType() &&
           !InstructionOf(v.getDefiningOp()).empty();
  }

  void Emit(Value v, bool is_root) {
    if (!is_root)
      if (auto c = ScalarConstant(v)) {
        constants.push_back(static_cast<float>(*c));
        Push("const " + std::to_string(constants.size() - 1));
        return;
      }
    if (is_root || Absorbable(v)) {
      Operation* op = v.getDefiningOp();
      for (Value operand : op->getOperands()) Emit(operand, false);
      const std::string instr = InstructionOf(op);
      program.push_back(b->getStringAttr(instr));
      depth -= static_cast<int>(op->getNumOperands()) - 1;
      ++absorbed;
      return;
    }
    auto it = llvm::find(inputs, v);
    if (it == inputs.end()) {
      inputs.push_back(v);
      it = inputs.end() - 1;
    }
    Push("input " + std::to_string(it - inputs.begin()));
  }
};

struct FuseElementwiseChain : mlir::RewritePattern {
  explicit FuseElementwiseChain(mlir::MLIRContext* context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation* op, PatternRewriter& rewriter) const override {
    if (llvm::isa<ir::FusedElementwiseOp>(op) || InstructionOf(op).empty())
      return rewriter.notifyMatchFailure(op, "not a fusable f32 elementwise op");
    Value result = op->getResult(0);
    if (result.hasOneUse()) {
      Operation* user = *result.getUsers().begin();
      if (!InstructionOf(user).empty() && user->getResult(0).getType() == result.getType())
        return rewriter.notifyMatchFailure(op, "not the end of its chain");
    }
    mlir::Builder b(op->getContext());
    Builder p{result};
    p.b = &b;
    p.Emit(result, true);
    if (p.absorbed < 2) return rewriter.notifyMatchFailure(op, "a chain of one op");
    if (p.inputs.size() > static_cast<size_t>(ref::kMaxElementwiseInputs) ||
        p.max_depth > ref::kMaxElementwiseStack)
      return rewriter.notifyMatchFailure(op, "too many inputs or too deep for one program");
    rewriter.replaceOpWithNewOp<ir::FusedElementwiseOp>(op, result.getType(), p.inputs,
                                                        rewriter.getArrayAttr(p.program),
                                                        rewriter.getDenseF32ArrayAttr(p.constants));
    return mlir::success();
  }
};

struct FuseElementwise : impl::AxleFuseElementwiseBase<FuseElementwise> {
  void runOnOperation() override {
    if (mlir::failed(ApplyPatterns<FuseElementwiseChain>(getOperation()))) signalPassFailure();
  }
};

}  // namespace
}  // namespace axle::passes
