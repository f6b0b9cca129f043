// The plan emitter: translates a planned `axle` function into tensors, steps and constants.
#include "compiler/emitter/PlanEmitter.h"

#include "axle/axle.h"
#include "compiler/dialect/AxleDialect.h"
#include "compiler/dialect/RuntimeSteps.h"
#include "llvm/ADT/DenseMap.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "runtime/schema/axle_model_generated.h"

namespace axle::emitter {
namespace {

namespace fb = ::axle::schema;
using mlir::Value;

uint64_t IntAttr(mlir::Operation* op, llvm::StringRef name, bool* ok) {
  auto a = op->getAttrOfType<mlir::IntegerAttr>(name);
  if (!a || a.getInt() < 0) *ok = false;
  return a ? static_cast<uint64_t>(a.getInt()) : 0;
}

}  // namespace

std::string NameOf(mlir::Location loc) {
  if (auto n = llvm::dyn_cast<mlir::NameLoc>(loc)) return n.getName().str();
  if (auto f = llvm::dyn_cast<mlir::FusedLoc>(loc))
    for (mlir::Location l : f.getLocations())
      if (auto n = llvm::dyn_cast<mlir::NameLoc>(l)) return n.getName().str();
  return "";
}

mlir::LogicalResult EmitPlan(mlir::ModuleOp module, const EmitOptions& options,
                             std::vector<uint8_t>* file, EmitStats* stats) {
  auto func = module.lookupSymbol<mlir::func::FuncOp>("main");
  if (!func) return module.emitError("no func @main to emit");
  bool planned = true;
  ModelSpec spec;
  spec.target = options.target;
  spec.cpu_arch = options.cpu_arch;
  spec.cpu_features = options.cpu_features;
  spec.cpu_features_optional = options.cpu_features_optional;
  spec.source_model_hash = options.source_model_hash;
  spec.compile_options = options.compile_options;
  spec.arena_size = IntAttr(func, "axle.arena_bytes", &planned);
  stats->arena_bytes = spec.arena_size;
  stats->arena_lower_bound = IntAttr(func, "axle.arena_lower_bound", &planned);
  if (!planned) return func.emitOpError("has no memory plan (run axle-plan-memory)");
  llvm::DenseMap<Value, uint32_t> tensor_of;

  auto add_tensor = [&](Value v, const std::string& name, int8_t storage,
                        uint64_t offset) -> uint32_t {
    auto type = llvm::cast<mlir::RankedTensorType>(v.getType());
    TensorSpec t;
    t.name = name;
    t.dtype = static_cast<int8_t>(*ir::DTypeOf(type.getElementType()));
    t.shape.assign(type.getShape().begin(), type.getShape().end());
    t.storage = storage;
    t.size = ir::TensorBytes(type);
    t.offset = offset;
    spec.tensors.push_back(t);
    tensor_of[v] = static_cast<uint32_t>(spec.tensors.size() - 1);
    return tensor_of[v];
  };

  auto ret = llvm::cast<mlir::func::ReturnOp>(func.getBody().front().getTerminator());
  // Outputs: returned values, distinct step results after axle-materialize-outputs.
  llvm::DenseMap<Value, unsigned> output_index;
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) output_index[v] = i;

  for (auto [i, arg] : llvm::enumerate(func.getArguments())) {
    auto name = func.getArgAttrOfType<mlir::StringAttr>(i, "axle.name");
    auto offset = func.getArgAttrOfType<mlir::IntegerAttr>(i, "axle.offset");
    if (!offset) return func.emitOpError() << "argument " << i << " has no axle.offset";
    spec.inputs.push_back(add_tensor(arg, name ? name.str() : "input_" + std::to_string(i),
                                     fb::StorageClass_Input, offset.getInt()));
  }

  // The tensor a step reads: constants enter the 64-byte aligned segment on first use.
  auto operand_tensor = [&](Value v) -> mlir::FailureOr<uint32_t> {
    if (auto it = tensor_of.find(v); it != tensor_of.end()) return it->second;
    auto c = v.getDefiningOp<ir::ConstantOp>();
    std::vector<uint8_t> bytes;
    if (!c || !ir::ConstantBytes(c.getValue(), &bytes))
      return mlir::emitError(v.getLoc(), "operand is neither planned nor a dense constant");
    const uint64_t constant_offset = (spec.constants.size() + 63) / 64 * 64;
    spec.constants.resize(constant_offset + bytes.size());
    std::copy(bytes.begin(), bytes.end(), spec.constants.begin() + constant_offset);
    stats->parameters += c.getType().getNumElements();
    return add_tensor(v, NameOf(c.getLoc()), fb::StorageClass_Constant, constant_offset);
  };

  std::vector<uint32_t> output_tensor(ret.getNumOperands(), AXLE_ABSENT_TENSOR);
  for (mlir::Operation& op : func.getBody().front().without_terminator()) {
    if (llvm::isa<ir::ConstantOp>(op)) continue;
    if (!op.hasAttr("axle.kernel"))
      return op.emitOpError("has no kernel (run axle-select-kernels)");
    auto offsets = op.getAttrOfType<mlir::DenseI64ArrayAttr>("axle.offsets");
    if (!offsets || offsets.size() != static_cast<int64_t>(op.getNumResults()))
      return op.emitOpError("has no arena offsets (run axle-plan-memory)");
    ir::StepLowering lowering;
    std::string why;
    if (mlir::failed(ir::LowerToStep(&op, &lowering, &why))) return op.emitOpError() << why;
    const ir::StepOperands operands = ir::OperandsOf(&op);
    StepSpec step;
    step.opcode = lowering.opcode;
    step.params = lowering.params;
    step.name = NameOf(op.getLoc());
    for (Value v : operands.inputs) {
      if (!v) {
        step.inputs.push_back(AXLE_ABSENT_TENSOR);
        continue;
      }
      auto t = operand_tensor(v);
      if (mlir::failed(t)) return mlir::failure();
      step.inputs.push_back(*t);
    }
    for (auto [k, v] : llvm::enumerate(operands.outputs)) {
      if (!v) {
        step.outputs.push_back(AXLE_ABSENT_TENSOR);
        continue;
      }
      auto out = output_index.find(v);
      const bool is_output = out != output_index.end();
      std::string name = step.name;
      if (is_output) {
        auto a = func.getResultAttrOfType<mlir::StringAttr>(out->second, "axle.name");
        name = a ? a.str() : "output_" + std::to_string(out->second);
      } else if (operands.outputs.size() > 1) {
        name += ":" + std::to_string(k);
      }
      const int64_t offset = offsets[llvm::cast<mlir::OpResult>(v).getResultNumber()];
      const uint32_t t =
          add_tensor(v, name, is_output ? fb::StorageClass_Output : fb::StorageClass_Arena, offset);
      if (is_output) output_tensor[out->second] = t;
      step.outputs.push_back(t);
    }
    ++stats->ops[op.getName().getStringRef().drop_front(5).str()];
    spec.steps.push_back(std::move(step));
  }
  for (auto [i, t] : llvm::enumerate(output_tensor))
    if (t == AXLE_ABSENT_TENSOR)
      return ret.emitOpError() << "operand " << i
                               << " is not a step result (run axle-materialize-outputs)";
  spec.outputs = output_tensor;
  spec.constants.resize((spec.constants.size() + 63) / 64 * 64);

  stats->constant_bytes = spec.constants.size();
  stats->steps = spec.steps.size();
  *file = SerializeModel(spec);
  return mlir::success();
}

}  // namespace axle::emitter
