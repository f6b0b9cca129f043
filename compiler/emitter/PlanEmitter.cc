// The plan emitter: tensors, steps and the arena layout of an .axm file.
#include "compiler/emitter/PlanEmitter.h"

#include "axle/axle.h"
#include "compiler/dialect/AxleDialect.h"
#include "compiler/dialect/RuntimeSteps.h"
#include "llvm/ADT/DenseMap.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "passes/MemoryPlanner.h"
#include "runtime/schema/axle_model_generated.h"

namespace axle::emitter {
namespace {

namespace fb = ::axle::schema;
using mlir::Value;

std::string NameOf(mlir::Location loc) {
  if (auto n = llvm::dyn_cast<mlir::NameLoc>(loc)) return n.getName().str();
  if (auto f = llvm::dyn_cast<mlir::FusedLoc>(loc))
    for (mlir::Location l : f.getLocations())
      if (auto n = llvm::dyn_cast<mlir::NameLoc>(l)) return n.getName().str();
  return "";
}

// The result may take operand `k`'s buffer (if the operand dies at this step).
bool InPlaceCandidate(mlir::Operation* op, unsigned k) {
  if (!op->hasTrait<mlir::OpTrait::AxleInPlace>() || op->getNumResults() != 1) return false;
  auto operand = llvm::cast<mlir::RankedTensorType>(op->getOperand(k).getType());
  auto result = llvm::cast<mlir::RankedTensorType>(op->getResult(0).getType());
  return ir::TensorBytes(operand) == ir::TensorBytes(result);
}

}  // namespace

mlir::LogicalResult EmitPlan(mlir::ModuleOp module, const EmitOptions& options,
                             std::vector<uint8_t>* file, EmitStats* stats) {
  auto func = module.lookupSymbol<mlir::func::FuncOp>("main");
  if (!func) return module.emitError("no func @main to emit");
  ModelSpec spec;
  spec.target = options.target;
  spec.source_model_hash = options.source_model_hash;
  spec.compile_options = options.compile_options;
  llvm::DenseMap<Value, uint32_t> tensor_of;
  std::vector<int64_t> first_write, last_read;  // per tensor, in steps (-1: on entry)
  std::vector<int64_t> reuse;                   // per tensor: in-place source tensor or -1
  const int64_t kEnd = std::numeric_limits<int64_t>::max();

  auto add_tensor = [&](Value v, const std::string& name, int8_t storage) -> uint32_t {
    auto type = llvm::cast<mlir::RankedTensorType>(v.getType());
    TensorSpec t;
    t.name = name;
    t.dtype = static_cast<int8_t>(*ir::DTypeOf(type.getElementType()));
    t.shape.assign(type.getShape().begin(), type.getShape().end());
    t.storage = storage;
    t.size = ir::TensorBytes(type);
    spec.tensors.push_back(t);
    first_write.push_back(storage == fb::StorageClass_Input ? -1 : kEnd);
    last_read.push_back(-1);
    reuse.push_back(-1);
    return static_cast<uint32_t>(spec.tensors.size() - 1);
  };

  auto ret = llvm::cast<mlir::func::ReturnOp>(func.getBody().front().getTerminator());
  auto result_name = [&](unsigned i) {
    auto a = func.getResultAttrOfType<mlir::StringAttr>(i, "axle.name");
    return a ? a.str() : "output_" + std::to_string(i);
  };
  // A returned value produced by a step becomes that output directly (first return only).
  llvm::DenseMap<Value, unsigned> direct_output;
  for (auto [i, v] : llvm::enumerate(ret.getOperands()))
    if (v.getDefiningOp() && !llvm::isa<ir::ConstantOp>(v.getDefiningOp()) &&
        !direct_output.count(v))
      direct_output[v] = i;

  for (auto [i, arg] : llvm::enumerate(func.getArguments())) {
    auto a = func.getArgAttrOfType<mlir::StringAttr>(i, "axle.name");
    const uint32_t t =
        add_tensor(arg, a ? a.str() : "input_" + std::to_string(i), fb::StorageClass_Input);
    tensor_of[arg] = t;
    spec.inputs.push_back(t);
  }

  std::vector<uint32_t> output_tensor(ret.getNumOperands(), AXLE_ABSENT_TENSOR);
  auto constant_tensor = [&](ir::ConstantOp c) -> mlir::FailureOr<uint32_t> {
    if (auto it = tensor_of.find(c.getResult()); it != tensor_of.end()) return it->second;
    std::vector<uint8_t> bytes;
    if (!ir::ConstantBytes(c.getValue(), &bytes)) return c.emitOpError("constant is not dense");
    const uint32_t t = add_tensor(c.getResult(), NameOf(c.getLoc()), fb::StorageClass_Constant);
    const uint64_t constant_offset = (spec.constants.size() + 63) / 64 * 64;
    spec.tensors[t].offset = constant_offset;
    spec.constants.resize(constant_offset + bytes.size());
    std::copy(bytes.begin(), bytes.end(), spec.constants.begin() + constant_offset);
    stats->parameters += c.getType().getNumElements();
    tensor_of[c.getResult()] = t;
    return t;
  };
  // The tensor a step reads: constants enter the segment on first use.
  auto operand_tensor = [&](Value v) -> mlir::FailureOr<uint32_t> {
    if (auto c = v.getDefiningOp<ir::ConstantOp>()) return constant_tensor(c);
    return tensor_of.lookup(v);
  };

  int64_t step_index = 0;
  for (mlir::Operation& op : func.getBody().front().without_terminator()) {
    if (llvm::isa<ir::ConstantOp>(op)) continue;
    ir::StepLowering lowering;
    std::string why;
    if (mlir::failed(ir::LowerToStep(&op, &lowering, &why))) return op.emitOpError() << why;
    const ir::StepOperands operands = ir::OperandsOf(&op);
    StepSpec step;
    step.opcode = lowering.opcode;
    step.params = lowering.params;
    step.name = NameOf(op.getLoc());
    for (auto [k, v] : llvm::enumerate(operands.inputs)) {
      if (!v) {
        step.inputs.push_back(AXLE_ABSENT_TENSOR);
        continue;
      }
      auto t = operand_tensor(v);
      if (mlir::failed(t)) return mlir::failure();
      step.inputs.push_back(*t);
      last_read[*t] = std::max(last_read[*t], step_index);
    }
    for (auto [k, v] : llvm::enumerate(operands.outputs)) {
      if (!v) {
        step.outputs.push_back(AXLE_ABSENT_TENSOR);
        continue;
      }
      auto direct = direct_output.find(v);
      const bool is_output = direct != direct_output.end();
      std::string name = is_output ? result_name(direct->second) : step.name;
      if (!is_output && operands.outputs.size() > 1) name += ":" + std::to_string(k);
      const uint32_t t =
          add_tensor(v, name, is_output ? fb::StorageClass_Output : fb::StorageClass_Arena);
      first_write[t] = step_index;
      tensor_of[v] = t;
      if (is_output) output_tensor[direct->second] = t;
      step.outputs.push_back(t);
    }
    // In-place candidates: an operand of the same type that may die here.
    for (unsigned k = 0; k < op.getNumOperands() && step.outputs.size() == 1; ++k) {
      const uint32_t src = step.inputs[k];
      if (src != AXLE_ABSENT_TENSOR && spec.tensors[src].storage == fb::StorageClass_Arena &&
          InPlaceCandidate(&op, k)) {
        reuse[step.outputs[0]] = src;
        break;
      }
    }
    ++stats->ops[op.getName().getStringRef().drop_front(5).str()];
    spec.steps.push_back(std::move(step));
    ++step_index;
  }
  // Returned values that are graph inputs, constants, or returned twice: copy into the output.
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    if (output_tensor[i] != AXLE_ABSENT_TENSOR) continue;
    auto src = operand_tensor(v);
    if (mlir::failed(src)) return mlir::failure();
    const uint32_t t = add_tensor(v, result_name(i), fb::StorageClass_Output);
    StepSpec copy;
    copy.opcode = fb::OpCode_Reshape;  // a byte copy
    copy.inputs = {*src};
    copy.outputs = {t};
    copy.name = result_name(i) + ":copy";
    last_read[*src] = std::max(last_read[*src], step_index);
    first_write[t] = step_index++;
    output_tensor[i] = t;
    spec.steps.push_back(std::move(copy));
    ++stats->ops["copy"];
  }
  spec.outputs = output_tensor;

  // Arena placement: inputs live from entry to the end, outputs from their step to the end.
  std::vector<passes::BufferLifetime> lifetimes;
  std::vector<uint32_t> planned;
  for (uint32_t t = 0; t < spec.tensors.size(); ++t) {
    const int8_t s = spec.tensors[t].storage;
    if (s == fb::StorageClass_Constant) continue;
    passes::BufferLifetime b;
    b.bytes = spec.tensors[t].size;
    b.first = first_write[t];
    b.last = s == fb::StorageClass_Arena ? std::max(last_read[t], first_write[t]) : step_index;
    planned.push_back(t);
    lifetimes.push_back(b);
  }
  for (size_t i = 0; i < planned.size(); ++i)
    if (reuse[planned[i]] >= 0)
      for (size_t j = 0; j < planned.size(); ++j)
        if (planned[j] == static_cast<uint32_t>(reuse[planned[i]])) lifetimes[i].reuse = j;
  const passes::MemoryPlan plan = passes::PlanMemory(lifetimes);
  for (size_t i = 0; i < planned.size(); ++i) spec.tensors[planned[i]].offset = plan.offsets[i];
  spec.arena_size = plan.arena_bytes;
  spec.constants.resize((spec.constants.size() + 63) / 64 * 64);

  stats->arena_bytes = plan.arena_bytes;
  stats->arena_lower_bound = plan.lower_bound;
  stats->constant_bytes = spec.constants.size();
  stats->steps = spec.steps.size();
  *file = SerializeModel(spec);
  return mlir::success();
}

}  // namespace axle::emitter
