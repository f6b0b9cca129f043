// The `axle` dialect: registration, verifiers, folders and the shape rules.
//
// Ops that have a runtime kernel are verified and folded through the runtime itself: the op is
// written as a one-step plan and handed to the runtime's validator (verification) or executed
// (folding). The compiler and the runtime therefore cannot disagree on shape or dtype rules, and
// folding computes exactly what the deployed plan would.
#include <cstring>

#include "axle/axle.h"
#include "compiler/dialect/AxleDialect.h"
#include "compiler/dialect/RuntimeSteps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "runtime/schema/axle_model_generated.h"

using namespace mlir;

#include "compiler/dialect/AxleOpsDialect.cpp.inc"

namespace axle::ir {

namespace fb = ::axle::schema;

void AxleDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "compiler/dialect/AxleOps.cpp.inc"
      >();
}

Operation* AxleDialect::materializeConstant(OpBuilder& builder, Attribute value, Type type,
                                            Location loc) {
  auto elements = llvm::dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type) return nullptr;
  return builder.create<ConstantOp>(loc, type, elements);
}

//===----------------------------------------------------------------------===//
// Types and shapes
//===----------------------------------------------------------------------===//

std::optional<DType> DTypeOf(Type t) {
  if (t.isF32()) return DType::kF32;
  if (t.isF16()) return DType::kF16;
  if (t.isBF16()) return DType::kBF16;
  if (t.isF64()) return DType::kF64;
  if (t.isInteger(1)) return DType::kBool;
  if (auto i = llvm::dyn_cast<IntegerType>(t)) {
    const bool u = i.isUnsigned();
    switch (i.getWidth()) {
    case 8: return u ? DType::kU8 : DType::kI8;
    case 16: return u ? DType::kU16 : DType::kI16;
    case 32: return u ? DType::kU32 : DType::kI32;
    case 64: return u ? DType::kU64 : DType::kI64;
    default: break;
    }
  }
  return std::nullopt;
}

Type ElementTypeOf(MLIRContext* c, DType d) {
  Builder b(c);
  switch (d) {
  case DType::kF32: return b.getF32Type();
  case DType::kF16: return b.getF16Type();
  case DType::kBF16: return b.getBF16Type();
  case DType::kF64: return b.getF64Type();
  case DType::kBool: return b.getI1Type();
  case DType::kI8: return b.getIntegerType(8);
  case DType::kI16: return b.getIntegerType(16);
  case DType::kI32: return b.getIntegerType(32);
  case DType::kI64: return b.getIntegerType(64);
  case DType::kU8: return b.getIntegerType(8, false);
  case DType::kU16: return b.getIntegerType(16, false);
  case DType::kU32: return b.getIntegerType(32, false);
  case DType::kU64: return b.getIntegerType(64, false);
  }
  return {};
}

uint64_t TensorBytes(RankedTensorType type) {
  const std::optional<DType> d = DTypeOf(type.getElementType());
  if (!d || !type.hasStaticShape()) return 0;
  return static_cast<uint64_t>(type.getNumElements()) * DTypeSize(*d);
}

std::optional<llvm::SmallVector<int64_t>> BroadcastShapes(llvm::ArrayRef<int64_t> a,
                                                          llvm::ArrayRef<int64_t> b) {
  const size_t rank = std::max(a.size(), b.size());
  llvm::SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) return std::nullopt;
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::optional<llvm::SmallVector<int64_t>> MatMulShape(llvm::ArrayRef<int64_t> a,
                                                      llvm::ArrayRef<int64_t> b, std::string* why) {
  if (a.empty() || b.empty()) {
    *why = "matmul operands must have rank >= 1";
    return std::nullopt;
  }
  const int64_t ka = a.back();
  const int64_t kb = b.size() == 1 ? b[0] : b[b.size() - 2];
  if (ka != kb) {
    *why = "inner dimensions differ (" + std::to_string(ka) + " vs " + std::to_string(kb) + ")";
    return std::nullopt;
  }
  auto batch = [](llvm::ArrayRef<int64_t> s) {
    return s.size() > 2 ? s.drop_back(2) : llvm::ArrayRef<int64_t>();
  };
  auto out = BroadcastShapes(batch(a), batch(b));
  if (!out) {
    *why = "batch dimensions do not broadcast";
    return std::nullopt;
  }
  if (a.size() >= 2) out->push_back(a[a.size() - 2]);
  if (b.size() >= 2) out->push_back(b.back());
  return out;
}

llvm::SmallVector<int64_t> ReducedShape(llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<int64_t> axes,
                                        bool keepdims) {
  llvm::SmallVector<int64_t> out;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
    if (!llvm::is_contained(axes, d))
      out.push_back(shape[d]);
    else if (keepdims)
      out.push_back(1);
  }
  return out;
}

//===----------------------------------------------------------------------===//
// One-step plans on the runtime
//===----------------------------------------------------------------------===//

bool ConstantBytes(Attribute attr, std::vector<uint8_t>* bytes) {
  auto dense = llvm::dyn_cast_or_null<DenseElementsAttr>(attr);
  if (!dense) return false;
  const std::optional<DType> d = DTypeOf(dense.getElementType());
  if (!d) return false;
  const size_t n = static_cast<size_t>(dense.getNumElements());
  const size_t elem = DTypeSize(*d);
  bytes->assign(n * elem, 0);
  if (*d == DType::kBool) {
    size_t i = 0;
    for (bool v : dense.getValues<bool>()) (*bytes)[i++] = v ? 1 : 0;
    return true;
  }
  llvm::ArrayRef<char> raw = dense.getRawData();
  if (dense.isSplat()) {
    for (size_t i = 0; i < n; ++i) std::memcpy(bytes->data() + i * elem, raw.data(), elem);
  } else if (raw.size() == bytes->size()) {
    if (!raw.empty()) std::memcpy(bytes->data(), raw.data(), raw.size());  // empty: no pointers
  } else {
    return false;
  }
  return true;
}

namespace {

struct OneStepModel {
  ModelBuilder builder;
  bool ok = false;
};

// Writes `op` as a plan of one step. Operands with a constant in `operands` become constants,
// the others model inputs; results become model outputs.
OneStepModel BuildOneStep(Operation* op, llvm::ArrayRef<Attribute> operands, std::string* why) {
  OneStepModel m;
  StepLowering lowering;
  if (failed(LowerToStep(op, &lowering, why))) return m;
  auto tensor_of = [&](Value v, DType* d, std::vector<int64_t>* shape) {
    auto t = llvm::dyn_cast<RankedTensorType>(v.getType());
    if (!t || !t.hasStaticShape()) return false;
    const std::optional<DType> dt = DTypeOf(t.getElementType());
    if (!dt) return false;
    *d = *dt;
    shape->assign(t.getShape().begin(), t.getShape().end());
    return true;
  };
  const StepOperands operands_of = OperandsOf(op);
  std::vector<uint32_t> inputs, outputs;
  for (auto [i, v] : llvm::enumerate(operands_of.inputs)) {
    if (!v) {  // an absent optional operand between present ones (a residual without bias)
      inputs.push_back(AXLE_ABSENT_TENSOR);
      continue;
    }
    DType d;
    std::vector<int64_t> shape;
    if (!tensor_of(v, &d, &shape)) {
      *why = "operand " + std::to_string(i) + " is not a statically shaped tensor of a known dtype";
      return m;
    }
    const std::string name = "operand" + std::to_string(i);
    std::vector<uint8_t> bytes;
    if (i < operands.size() && ConstantBytes(operands[i], &bytes))
      inputs.push_back(m.builder.Constant(name, d, shape, bytes.data()));
    else
      inputs.push_back(m.builder.Input(name, d, shape));
  }
  for (auto [i, v] : llvm::enumerate(operands_of.outputs)) {
    if (!v) {
      outputs.push_back(AXLE_ABSENT_TENSOR);
      continue;
    }
    DType d;
    std::vector<int64_t> shape;
    if (!tensor_of(v, &d, &shape)) {
      *why = "result " + std::to_string(i) + " is not a statically shaped tensor of a known dtype";
      return m;
    }
    outputs.push_back(m.builder.Output("result" + std::to_string(i), d, shape));
  }
  m.builder.Step(lowering.opcode, inputs, outputs, lowering.params, "");
  m.ok = true;
  return m;
}

// Strips the runtime's "step 0 (Op ''): " prefix from a validator message.
std::string RuntimeMessage() {
  std::string m = axle_last_error();
  const size_t p = m.find("''): ");
  return p == std::string::npos ? m : m.substr(p + 5);
}

// A one-step plan loaded (validated) by the runtime from a 64-byte aligned copy it borrows.
class LoadedPlan {
 public:
  explicit LoadedPlan(const ModelBuilder& builder) {
    const std::vector<uint8_t> bytes = builder.Serialize();
    buffer_ = std::aligned_alloc(64, (bytes.size() + 63) / 64 * 64);
    std::memcpy(buffer_, bytes.data(), bytes.size());
    status_ = axle_model_load_buffer(buffer_, bytes.size(), &model_);
  }
  ~LoadedPlan() {
    axle_model_release(model_);  // before the buffer it borrows
    std::free(buffer_);
  }
  LoadedPlan(const LoadedPlan&) = delete;
  LoadedPlan& operator=(const LoadedPlan&) = delete;
  axle_status_t status() const { return status_; }
  axle_model_t* model() const { return model_; }

 private:
  void* buffer_ = nullptr;
  axle_model_t* model_ = nullptr;
  axle_status_t status_ = AXLE_INTERNAL;
};

// Verifies an op that has a runtime kernel against the runtime's contract.
LogicalResult VerifyWithRuntime(Operation* op) {
  std::string why;
  OneStepModel m = BuildOneStep(op, {}, &why);
  if (!m.ok) return op->emitOpError() << why;
  LoadedPlan plan(m.builder);
  if (plan.status() != AXLE_OK) return op->emitOpError() << RuntimeMessage();
  return success();
}

}  // namespace

Attribute EvaluateOnRuntime(Operation* op, llvm::ArrayRef<Attribute> operands, uint64_t max_bytes) {
  if (operands.size() != op->getNumOperands()) return {};
  for (Attribute a : operands)
    if (!llvm::isa_and_nonnull<DenseElementsAttr>(a)) return {};
  if (op->getNumResults() != 1) return {};
  // The folder pairs `operands` with the runtime's positional inputs: no gaps allowed.
  for (Value v : OperandsOf(op).inputs)
    if (!v) return {};
  auto result_type = llvm::dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!result_type || TensorBytes(result_type) > max_bytes) return {};
  std::string why;
  OneStepModel m = BuildOneStep(op, operands, &why);
  if (!m.ok) return {};
  LoadedPlan plan(m.builder);
  Attribute folded;
  axle_context_t* context = nullptr;
  if (plan.status() == AXLE_OK && axle_context_create(plan.model(), nullptr, &context) == AXLE_OK &&
      axle_context_invoke(context) == AXLE_OK) {
    const void* data = nullptr;
    size_t size = 0;
    axle_context_output_buffer(context, 0, &data, &size);
    const auto* p = static_cast<const uint8_t*>(data);
    if (result_type.getElementType().isInteger(1)) {
      llvm::SmallVector<bool> values(p, p + size);
      folded = DenseElementsAttr::get(result_type, llvm::ArrayRef<bool>(values));
    } else {
      folded = DenseElementsAttr::getFromRawBuffer(
          result_type, llvm::ArrayRef<char>(reinterpret_cast<const char*>(p), size));
    }
  }
  axle_context_destroy(context);
  return folded;
}

//===----------------------------------------------------------------------===//
// Verifiers and folders
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::verify() {
  if (getValue().getType() != getType())
    return emitOpError() << "value type " << getValue().getType() << " differs from result type "
                         << getType();
  if (!DTypeOf(getType().getElementType()))
    return emitOpError() << "element type " << getType().getElementType()
                         << " has no runtime dtype";
  return success();
}
OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

// Ops with a runtime kernel: verified by the runtime's validator, folded by running them.
#define AXLE_RUNTIME_VERIFIED(OP)                                                                  \
  LogicalResult OP::verify() { return VerifyWithRuntime(*this); }
#define AXLE_RUNTIME_FOLDED(OP)                                                                    \
  AXLE_RUNTIME_VERIFIED(OP)                                                                        \
  OpFoldResult OP::fold(FoldAdaptor adaptor) {                                                     \
    return EvaluateOnRuntime(*this, adaptor.getOperands());                                        \
  }

AXLE_RUNTIME_FOLDED(AddOp)
AXLE_RUNTIME_FOLDED(SubOp)
AXLE_RUNTIME_FOLDED(MulOp)
AXLE_RUNTIME_FOLDED(DivOp)
AXLE_RUNTIME_FOLDED(PowOp)
AXLE_RUNTIME_FOLDED(MinOp)
AXLE_RUNTIME_FOLDED(MaxOp)
AXLE_RUNTIME_FOLDED(EqualOp)
AXLE_RUNTIME_FOLDED(LessOp)
AXLE_RUNTIME_FOLDED(GreaterOp)
AXLE_RUNTIME_FOLDED(LessEqualOp)
AXLE_RUNTIME_FOLDED(GreaterEqualOp)
AXLE_RUNTIME_FOLDED(AndOp)
AXLE_RUNTIME_FOLDED(OrOp)
AXLE_RUNTIME_FOLDED(XorOp)
AXLE_RUNTIME_FOLDED(ModOp)
AXLE_RUNTIME_FOLDED(FmodOp)
AXLE_RUNTIME_FOLDED(BitShiftLeftOp)
AXLE_RUNTIME_FOLDED(BitShiftRightOp)
AXLE_RUNTIME_FOLDED(ReluOp)
AXLE_RUNTIME_FOLDED(SigmoidOp)
AXLE_RUNTIME_FOLDED(TanhOp)
AXLE_RUNTIME_FOLDED(ErfOp)
AXLE_RUNTIME_FOLDED(ExpOp)
AXLE_RUNTIME_FOLDED(LogOp)
AXLE_RUNTIME_FOLDED(SqrtOp)
AXLE_RUNTIME_FOLDED(NegOp)
AXLE_RUNTIME_FOLDED(AbsOp)
AXLE_RUNTIME_FOLDED(ReciprocalOp)
AXLE_RUNTIME_FOLDED(FloorOp)
AXLE_RUNTIME_FOLDED(CeilOp)
AXLE_RUNTIME_FOLDED(NotOp)
AXLE_RUNTIME_FOLDED(SinOp)
AXLE_RUNTIME_FOLDED(CosOp)
AXLE_RUNTIME_FOLDED(SignOp)
AXLE_RUNTIME_FOLDED(TanOp)
AXLE_RUNTIME_FOLDED(AsinOp)
AXLE_RUNTIME_FOLDED(AcosOp)
AXLE_RUNTIME_FOLDED(AtanOp)
AXLE_RUNTIME_FOLDED(SinhOp)
AXLE_RUNTIME_FOLDED(CoshOp)
AXLE_RUNTIME_FOLDED(AsinhOp)
AXLE_RUNTIME_FOLDED(AcoshOp)
AXLE_RUNTIME_FOLDED(AtanhOp)
AXLE_RUNTIME_FOLDED(RoundOp)
AXLE_RUNTIME_FOLDED(ArgMaxOp)
AXLE_RUNTIME_FOLDED(ArgMinOp)
AXLE_RUNTIME_FOLDED(GatherElementsOp)
AXLE_RUNTIME_FOLDED(ScatterElementsOp)
AXLE_RUNTIME_FOLDED(GatherNDOp)
AXLE_RUNTIME_FOLDED(ScatterNDOp)
AXLE_RUNTIME_VERIFIED(TopKOp)
AXLE_RUNTIME_FOLDED(CumSumOp)
AXLE_RUNTIME_VERIFIED(ConvOp)
AXLE_RUNTIME_VERIFIED(ConvTransposeOp)
AXLE_RUNTIME_VERIFIED(PoolOp)
AXLE_RUNTIME_VERIFIED(Im2ColOp)
AXLE_RUNTIME_VERIFIED(DepthwiseConvOp)
AXLE_RUNTIME_FOLDED(PadOp)
AXLE_RUNTIME_FOLDED(ResampleOp)
AXLE_RUNTIME_FOLDED(GridSampleOp)
AXLE_RUNTIME_FOLDED(ClipOp)
AXLE_RUNTIME_FOLDED(LeakyReluOp)
AXLE_RUNTIME_VERIFIED(CastOp)
// A cast to the type it already has changes nothing (exporters write them around norms).
OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType()) return getInput();
  return EvaluateOnRuntime(*this, adaptor.getOperands());
}
AXLE_RUNTIME_FOLDED(WhereOp)
AXLE_RUNTIME_FOLDED(MatMulOp)
AXLE_RUNTIME_VERIFIED(GemmOp)
AXLE_RUNTIME_FOLDED(SoftmaxOp)
AXLE_RUNTIME_VERIFIED(LayerNormOp)
AXLE_RUNTIME_FOLDED(ReduceSumOp)
AXLE_RUNTIME_FOLDED(ReduceMeanOp)
AXLE_RUNTIME_FOLDED(ReduceMaxOp)
AXLE_RUNTIME_FOLDED(ReduceMinOp)
AXLE_RUNTIME_FOLDED(ReduceProdOp)
AXLE_RUNTIME_VERIFIED(TransposeOp)
OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  if (llvm::equal(getPerm(), llvm::seq<int64_t>(0, getPerm().size()))) return getInput();
  return EvaluateOnRuntime(*this, adaptor.getOperands());
}

namespace {

// transpose(transpose(x, p), q) -> transpose(x, p o q).
struct ComposeTransposes : mlir::OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op, mlir::PatternRewriter& rewriter) const override {
    auto inner = op.getInput().getDefiningOp<TransposeOp>();
    if (!inner) return rewriter.notifyMatchFailure(op, "the input is not a transpose");
    llvm::SmallVector<int64_t> perm;
    for (int64_t p : op.getPerm()) perm.push_back(inner.getPerm()[p]);
    rewriter.replaceOpWithNewOp<TransposeOp>(op, op.getType(), inner.getInput(),
                                             rewriter.getDenseI64ArrayAttr(perm));
    return success();
  }
};

// A transpose that keeps the order of the dimensions larger than 1 moves no bytes.
struct TransposeOfUnitDimsToReshape : mlir::OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op, mlir::PatternRewriter& rewriter) const override {
    auto in = llvm::cast<RankedTensorType>(op.getInput().getType());
    int64_t last = -1;
    for (int64_t p : op.getPerm()) {
      if (in.getDimSize(p) == 1) continue;
      if (p < last) return rewriter.notifyMatchFailure(op, "moves data");
      last = p;
    }
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), op.getInput());
    return success();
  }
};

// reshape(reshape(x)) -> reshape(x).
struct ComposeReshapes : mlir::OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op, mlir::PatternRewriter& rewriter) const override {
    auto inner = op.getInput().getDefiningOp<ReshapeOp>();
    if (!inner) return rewriter.notifyMatchFailure(op, "the input is not a reshape");
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), inner.getInput());
    return success();
  }
};

}  // namespace

// The rest of the view canonicalization is in Canonicalize.cc.
void AddTransposeFolds(mlir::RewritePatternSet& patterns, MLIRContext* context) {
  patterns.add<ComposeTransposes, TransposeOfUnitDimsToReshape>(context);
}
void AddReshapeFolds(mlir::RewritePatternSet& patterns, MLIRContext* context) {
  patterns.add<ComposeReshapes>(context);
}
AXLE_RUNTIME_VERIFIED(ExpandOp)
AXLE_RUNTIME_FOLDED(ConcatOp)
AXLE_RUNTIME_FOLDED(SliceOp)
AXLE_RUNTIME_FOLDED(GatherOp)

// Identity and reshape are free: fold to the operand (reshape of a constant to a constant).
AXLE_RUNTIME_VERIFIED(IdentityOp)
OpFoldResult IdentityOp::fold(FoldAdaptor) { return getInput(); }
AXLE_RUNTIME_VERIFIED(ReshapeOp)
OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType()) return getInput();
  if (auto dense = llvm::dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    return dense.reshape(getType());
  return {};
}
OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType()) return getInput();
  auto dense = llvm::dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput());
  if (dense && dense.isSplat())
    return DenseElementsAttr::get(getType(), dense.getSplatValue<Attribute>());
  return EvaluateOnRuntime(*this, adaptor.getOperands());
}

AXLE_RUNTIME_VERIFIED(LinearOp)
AXLE_RUNTIME_VERIFIED(AttentionOp)
AXLE_RUNTIME_VERIFIED(RmsNormOp)
AXLE_RUNTIME_VERIFIED(GeluOp)
AXLE_RUNTIME_VERIFIED(FusedElementwiseOp)
AXLE_RUNTIME_VERIFIED(QuantizeLinearOp)
AXLE_RUNTIME_VERIFIED(DequantizeLinearOp)
AXLE_RUNTIME_VERIFIED(LinearInt8Op)
AXLE_RUNTIME_VERIFIED(LinearWeightOnlyOp)

#undef AXLE_RUNTIME_FOLDED
#undef AXLE_RUNTIME_VERIFIED

}  // namespace axle::ir

#define GET_OP_CLASSES
#include "compiler/dialect/AxleOps.cpp.inc"
