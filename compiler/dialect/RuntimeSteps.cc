// axle op -> runtime OpCode + parameter table.
#include "compiler/dialect/RuntimeSteps.h"

#include "compiler/dialect/AxleDialect.h"
#include "llvm/ADT/TypeSwitch.h"
#include "runtime/schema/axle_model_generated.h"

namespace axle::ir {
namespace {

namespace fb = ::axle::schema;

std::vector<int64_t> Vec(llvm::ArrayRef<int64_t> a) { return {a.begin(), a.end()}; }

}  // namespace

StepOperands OperandsOf(mlir::Operation* op) {
  StepOperands s;
  s.inputs.assign(op->operand_begin(), op->operand_end());
  if (auto ln = llvm::dyn_cast<LayerNormOp>(op)) {
    s.outputs = {ln.getResult(), ln.getMean(), ln.getInvStdDev()};
    while (s.outputs.size() > 1 && !s.outputs.back()) s.outputs.pop_back();
    return s;
  }
  s.outputs.assign(op->result_begin(), op->result_end());
  return s;
}

mlir::LogicalResult LowerToStep(mlir::Operation* op, StepLowering* out, std::string* why) {
  auto set = [&](uint16_t opcode, ParamsSpec params = {}) {
    out->opcode = opcode;
    out->params = std::move(params);
    return mlir::success();
  };
  return llvm::TypeSwitch<mlir::Operation*, mlir::LogicalResult>(op)
      .Case([&](AddOp) { return set(fb::OpCode_Add); })
      .Case([&](SubOp) { return set(fb::OpCode_Sub); })
      .Case([&](MulOp) { return set(fb::OpCode_Mul); })
      .Case([&](DivOp) { return set(fb::OpCode_Div); })
      .Case([&](PowOp) { return set(fb::OpCode_Pow); })
      .Case([&](MinOp) { return set(fb::OpCode_Min); })
      .Case([&](MaxOp) { return set(fb::OpCode_Max); })
      .Case([&](EqualOp) { return set(fb::OpCode_Equal); })
      .Case([&](LessOp) { return set(fb::OpCode_Less); })
      .Case([&](GreaterOp) { return set(fb::OpCode_Greater); })
      .Case([&](LessEqualOp) { return set(fb::OpCode_LessOrEqual); })
      .Case([&](GreaterEqualOp) { return set(fb::OpCode_GreaterOrEqual); })
      .Case([&](AndOp) { return set(fb::OpCode_And); })
      .Case([&](OrOp) { return set(fb::OpCode_Or); })
      .Case([&](XorOp) { return set(fb::OpCode_Xor); })
      .Case([&](ReluOp) { return set(fb::OpCode_Relu); })
      .Case([&](SigmoidOp) { return set(fb::OpCode_Sigmoid); })
      .Case([&](TanhOp) { return set(fb::OpCode_Tanh); })
      .Case([&](ErfOp) { return set(fb::OpCode_Erf); })
      .Case([&](ExpOp) { return set(fb::OpCode_Exp); })
      .Case([&](LogOp) { return set(fb::OpCode_Log); })
      .Case([&](SqrtOp) { return set(fb::OpCode_Sqrt); })
      .Case([&](NegOp) { return set(fb::OpCode_Neg); })
      .Case([&](AbsOp) { return set(fb::OpCode_Abs); })
      .Case([&](ReciprocalOp) { return set(fb::OpCode_Reciprocal); })
      .Case([&](FloorOp) { return set(fb::OpCode_Floor); })
      .Case([&](CeilOp) { return set(fb::OpCode_Ceil); })
      .Case([&](NotOp) { return set(fb::OpCode_Not); })
      .Case([&](SinOp) { return set(fb::OpCode_Sin); })
      .Case([&](CosOp) { return set(fb::OpCode_Cos); })
      .Case([&](SignOp) { return set(fb::OpCode_Sign); })
      .Case([&](IdentityOp) { return set(fb::OpCode_Reshape); })  // a byte copy, any dtype
      .Case([&](CopyOp) { return set(fb::OpCode_Reshape); })
      .Case([&](ClipOp o) {
        return set(fb::OpCode_Clip,
                   ParamsSpec::Unary(o.getLo().convertToFloat(), o.getHi().convertToFloat()));
      })
      .Case([&](LeakyReluOp o) {
        return set(fb::OpCode_LeakyRelu, ParamsSpec::Unary(o.getAlpha().convertToFloat(), 0));
      })
      .Case([&](CastOp) { return set(fb::OpCode_Cast); })
      .Case([&](WhereOp) { return set(fb::OpCode_Where); })
      .Case([&](MatMulOp) { return set(fb::OpCode_MatMul); })
      .Case([&](GemmOp o) {
        return set(fb::OpCode_Gemm,
                   ParamsSpec::Gemm(o.getAlpha().convertToFloat(), o.getBeta().convertToFloat(),
                                    o.getTransA(), o.getTransB()));
      })
      .Case([&](SoftmaxOp o) { return set(fb::OpCode_Softmax, ParamsSpec::Axis(o.getAxis())); })
      .Case([&](LayerNormOp o) {
        return set(fb::OpCode_LayerNormalization,
                   ParamsSpec::LayerNorm(o.getAxis(), o.getEpsilon().convertToFloat()));
      })
      .Case([&](ReduceSumOp o) {
        return set(fb::OpCode_ReduceSum, ParamsSpec::Reduce(Vec(o.getAxes()), o.getKeepdims()));
      })
      .Case([&](ReduceMeanOp o) {
        return set(fb::OpCode_ReduceMean, ParamsSpec::Reduce(Vec(o.getAxes()), o.getKeepdims()));
      })
      .Case([&](ReduceMaxOp o) {
        return set(fb::OpCode_ReduceMax, ParamsSpec::Reduce(Vec(o.getAxes()), o.getKeepdims()));
      })
      .Case([&](ReduceMinOp o) {
        return set(fb::OpCode_ReduceMin, ParamsSpec::Reduce(Vec(o.getAxes()), o.getKeepdims()));
      })
      .Case([&](ReduceProdOp o) {
        return set(fb::OpCode_ReduceProd, ParamsSpec::Reduce(Vec(o.getAxes()), o.getKeepdims()));
      })
      .Case([&](TransposeOp o) {
        return set(fb::OpCode_Transpose, ParamsSpec::Transpose(Vec(o.getPerm())));
      })
      .Case([&](ReshapeOp) { return set(fb::OpCode_Reshape); })
      .Case([&](ExpandOp) { return set(fb::OpCode_Expand); })
      .Case([&](ConcatOp o) { return set(fb::OpCode_Concat, ParamsSpec::Axis(o.getAxis())); })
      .Case([&](SliceOp o) {
        return set(fb::OpCode_Slice, ParamsSpec::Slice(Vec(o.getStarts()), Vec(o.getSteps())));
      })
      .Case([&](GatherOp o) { return set(fb::OpCode_Gather, ParamsSpec::Axis(o.getAxis())); })
      .Default([&](mlir::Operation* other) {
        *why = "the runtime has no kernel for '" + other->getName().getStringRef().str() + "'";
        return mlir::failure();
      });
}

}  // namespace axle::ir
