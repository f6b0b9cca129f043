// axle op -> runtime OpCode + parameter table.
#include "compiler/dialect/RuntimeSteps.h"

#include "compiler/dialect/AxleDialect.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/TypeSwitch.h"
#include "runtime/schema/axle_model_generated.h"

namespace axle::ir {
namespace {

namespace fb = ::axle::schema;

std::vector<int64_t> Vec(llvm::ArrayRef<int64_t> a) { return {a.begin(), a.end()}; }

template <typename ArgOpTy>
ParamsSpec ArgParams(ArgOpTy o) {
  ParamsSpec p = ParamsSpec::Index(o.getAxis());
  p.keepdims = o.getKeepdims();
  p.select_last_index = o.getSelectLastIndex();
  return p;
}

template <typename ConvOpTy>
ParamsSpec ConvParams(ConvOpTy o) {
  auto wt = llvm::cast<mlir::RankedTensorType>(o.getWeight().getType());
  ParamsSpec p = ParamsSpec::Window(Vec(wt.getShape().drop_front(2)), Vec(o.getStrides()),
                                    Vec(o.getPads()), Vec(o.getDilations()));
  p.group = o.getGroup();
  return p;
}

bool ScatterReductionCode(llvm::StringRef name, uint8_t* code, std::string* why) {
  auto c = llvm::StringSwitch<int>(name)
               .Case("none", fb::ScatterReduction_None)
               .Case("add", fb::ScatterReduction_Add)
               .Case("mul", fb::ScatterReduction_Mul)
               .Case("max", fb::ScatterReduction_Max)
               .Case("min", fb::ScatterReduction_Min)
               .Default(-1);
  if (c < 0) {
    *why = "reduction must be none, add, mul, max or min, got '" + name.str() + "'";
    return false;
  }
  *code = static_cast<uint8_t>(c);
  return true;
}

}  // namespace

std::optional<uint8_t> ActivationCode(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<uint8_t>>(name)
      .Case("none", fb::Activation_None)
      .Case("relu", fb::Activation_Relu)
      .Case("relu6", fb::Activation_Relu6)
      .Case("gelu", fb::Activation_Gelu)
      .Case("gelu_tanh", fb::Activation_GeluTanh)
      .Default(std::nullopt);
}

std::optional<uint8_t> MaskModeCode(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<uint8_t>>(name)
      .Case("none", fb::MaskMode_None)
      .Case("additive", fb::MaskMode_Additive)
      .Case("keep_true", fb::MaskMode_KeepTrue)
      .Case("keep_false", fb::MaskMode_KeepFalse)
      .Default(std::nullopt);
}

// Program instruction names: the schema's OpCode numbering (binary 0..6, unary 32..50).
std::optional<uint16_t> ElementwiseOpCode(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<uint16_t>>(name)
      .Case("add", fb::OpCode_Add)
      .Case("sub", fb::OpCode_Sub)
      .Case("mul", fb::OpCode_Mul)
      .Case("div", fb::OpCode_Div)
      .Case("pow", fb::OpCode_Pow)
      .Case("min", fb::OpCode_Min)
      .Case("max", fb::OpCode_Max)
      .Case("relu", fb::OpCode_Relu)
      .Case("sigmoid", fb::OpCode_Sigmoid)
      .Case("tanh", fb::OpCode_Tanh)
      .Case("erf", fb::OpCode_Erf)
      .Case("exp", fb::OpCode_Exp)
      .Case("log", fb::OpCode_Log)
      .Case("sqrt", fb::OpCode_Sqrt)
      .Case("neg", fb::OpCode_Neg)
      .Case("abs", fb::OpCode_Abs)
      .Case("reciprocal", fb::OpCode_Reciprocal)
      .Case("floor", fb::OpCode_Floor)
      .Case("ceil", fb::OpCode_Ceil)
      .Case("sin", fb::OpCode_Sin)
      .Case("cos", fb::OpCode_Cos)
      .Case("sign", fb::OpCode_Sign)
      .Default(std::nullopt);
}

mlir::LogicalResult EncodeElementwiseProgram(mlir::ArrayAttr program, std::vector<uint8_t>* code,
                                             std::string* why) {
  for (auto [i, attr] : llvm::enumerate(program)) {
    auto str = llvm::dyn_cast<mlir::StringAttr>(attr);
    llvm::StringRef text = str ? str.getValue() : "";
    auto [word, rest] = text.split(' ');
    unsigned index = 0;
    uint8_t instr = 0, arg = 0;
    if (word == "input" || word == "const") {
      if (rest.getAsInteger(10, index) || index > 255) {
        *why = "program instruction " + std::to_string(i) + " '" + text.str() +
               "' needs an index in [0, 255]";
        return mlir::failure();
      }
      instr = word == "input" ? 0 : 1;
      arg = static_cast<uint8_t>(index);
    } else if (word == "gelu" || word == "gelu_tanh") {
      instr = 4;
      arg = word == "gelu_tanh" ? 1 : 0;
    } else if (auto op = ElementwiseOpCode(word); op && rest.empty()) {
      instr = *op < fb::OpCode_Relu ? 2 : 3;
      arg = static_cast<uint8_t>(*op < fb::OpCode_Relu ? *op : *op - fb::OpCode_Relu);
    } else {
      *why = "program instruction " + std::to_string(i) + " '" + text.str() + "' is unknown";
      return mlir::failure();
    }
    code->push_back(instr);
    code->push_back(arg);
  }
  return mlir::success();
}

StepOperands OperandsOf(mlir::Operation* op) {
  StepOperands s;
  s.inputs.assign(op->operand_begin(), op->operand_end());
  if (auto linear = llvm::dyn_cast<LinearOp>(op)) {
    // Positional: input, weight, bias (absent: null), residual.
    s.inputs = {linear.getInput(), linear.getWeight(), linear.getBias(), linear.getResidual()};
    while (s.inputs.size() > 2 && !s.inputs.back()) s.inputs.pop_back();
  }
  if (auto q = llvm::dyn_cast<LinearInt8Op>(op)) {
    s.inputs = {q.getInput(),   q.getWeight(), q.getWScales(),
                q.getColSums(), q.getBias(),   q.getResidual()};
    while (s.inputs.size() > 4 && !s.inputs.back()) s.inputs.pop_back();
  }
  if (auto w = llvm::dyn_cast<LinearWeightOnlyOp>(op)) {
    s.inputs = {w.getInput(), w.getWeight(), w.getScales(), w.getBias(), w.getResidual()};
    while (s.inputs.size() > 3 && !s.inputs.back()) s.inputs.pop_back();
  }
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
  // The linear family's epilogue activation and weight layout (one of `layouts`, whose
  // schema codes are `codes`); false with *why set on an unknown name.
  auto linear_codes = [&](llvm::StringRef act_name, llvm::StringRef layout,
                          std::initializer_list<std::pair<llvm::StringRef, uint8_t>> layouts,
                          uint8_t* act, uint8_t* layout_code) {
    auto a = ActivationCode(act_name);
    if (!a) {
      *why = "unknown activation '" + act_name.str() + "'";
      return false;
    }
    *act = *a;
    for (const auto& [name, code] : layouts)
      if (layout == name) {
        *layout_code = code;
        return true;
      }
    *why = "unknown weight_layout '" + layout.str() + "'";
    return false;
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
      .Case([&](ModOp) { return set(fb::OpCode_Mod); })
      .Case([&](FmodOp) { return set(fb::OpCode_Fmod); })
      .Case([&](BitShiftLeftOp) { return set(fb::OpCode_BitShiftLeft); })
      .Case([&](BitShiftRightOp) { return set(fb::OpCode_BitShiftRight); })
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
      .Case([&](TanOp) { return set(fb::OpCode_Tan); })
      .Case([&](AsinOp) { return set(fb::OpCode_Asin); })
      .Case([&](AcosOp) { return set(fb::OpCode_Acos); })
      .Case([&](AtanOp) { return set(fb::OpCode_Atan); })
      .Case([&](SinhOp) { return set(fb::OpCode_Sinh); })
      .Case([&](CoshOp) { return set(fb::OpCode_Cosh); })
      .Case([&](AsinhOp) { return set(fb::OpCode_Asinh); })
      .Case([&](AcoshOp) { return set(fb::OpCode_Acosh); })
      .Case([&](AtanhOp) { return set(fb::OpCode_Atanh); })
      .Case([&](RoundOp) { return set(fb::OpCode_Round); })
      .Case([&](ArgMaxOp o) { return set(fb::OpCode_ArgMax, ArgParams(o)); })
      .Case([&](ArgMinOp o) { return set(fb::OpCode_ArgMin, ArgParams(o)); })
      .Case([&](GatherElementsOp o) {
        return set(fb::OpCode_GatherElements, ParamsSpec::Index(o.getAxis()));
      })
      .Case([&](ScatterElementsOp o) -> mlir::LogicalResult {
        ParamsSpec p = ParamsSpec::Index(o.getAxis());
        if (!ScatterReductionCode(o.getReduction(), &p.reduction, why)) return mlir::failure();
        return set(fb::OpCode_ScatterElements, p);
      })
      .Case([&](GatherNDOp o) {
        ParamsSpec p = ParamsSpec::Index(0);
        p.batch_dims = o.getBatchDims();
        return set(fb::OpCode_GatherND, p);
      })
      .Case([&](ScatterNDOp o) -> mlir::LogicalResult {
        ParamsSpec p = ParamsSpec::Index(0);
        if (!ScatterReductionCode(o.getReduction(), &p.reduction, why)) return mlir::failure();
        return set(fb::OpCode_ScatterND, p);
      })
      .Case([&](TopKOp o) {
        ParamsSpec p = ParamsSpec::Index(o.getAxis());
        p.largest = o.getLargest();
        return set(fb::OpCode_TopK, p);
      })
      .Case([&](CumSumOp o) {
        ParamsSpec p = ParamsSpec::Index(o.getAxis());
        p.exclusive = o.getExclusive();
        p.reverse = o.getReverse();
        return set(fb::OpCode_CumSum, p);
      })
      .Case([&](ConvOp o) { return set(fb::OpCode_Conv, ConvParams(o)); })
      .Case([&](Im2ColOp o) {
        return set(fb::OpCode_Im2Col, ParamsSpec::Window(Vec(o.getKernel()), Vec(o.getStrides()),
                                                         Vec(o.getPads()), Vec(o.getDilations())));
      })
      .Case([&](DepthwiseConvOp o) -> mlir::LogicalResult {
        auto wt = llvm::cast<mlir::RankedTensorType>(o.getWeight().getType());
        ParamsSpec p = ParamsSpec::Window(Vec(wt.getShape().take_front(2)), Vec(o.getStrides()),
                                          Vec(o.getPads()), Vec(o.getDilations()));
        auto act = ActivationCode(o.getActivation());
        if (!act) {
          *why = "unknown activation '" + o.getActivation().str() + "'";
          return mlir::failure();
        }
        p.activation = *act;
        return set(fb::OpCode_DepthwiseConv, p);
      })
      .Case([&](ConvTransposeOp o) { return set(fb::OpCode_ConvTranspose, ConvParams(o)); })
      .Case([&](PoolOp o) -> mlir::LogicalResult {
        ParamsSpec p = ParamsSpec::Window(Vec(o.getKernel()), Vec(o.getStrides()), Vec(o.getPads()),
                                          Vec(o.getDilations()));
        const llvm::StringRef kind = o.getKind();
        if (kind != "max" && kind != "average" && kind != "lp") {
          *why = "pool kind must be max, average or lp, got '" + kind.str() + "'";
          return mlir::failure();
        }
        p.mode = kind == "max"       ? fb::PoolMode_Max
                 : kind == "average" ? fb::PoolMode_Average
                                     : fb::PoolMode_Lp;
        p.count_include_pad = o.getCountIncludePad();
        p.p = o.getP();
        p.channels_last = o.getChannelsLast();
        return set(fb::OpCode_Pool, p);
      })
      .Case([&](GridSampleOp o) -> mlir::LogicalResult {
        const int mode = llvm::StringSwitch<int>(o.getMode())
                             .Case("nearest", fb::SampleMode_Nearest)
                             .Case("linear", fb::SampleMode_Linear)
                             .Case("cubic", fb::SampleMode_Cubic)
                             .Default(-1);
        const int padding = llvm::StringSwitch<int>(o.getPadding())
                                .Case("zeros", fb::SamplePadding_Zeros)
                                .Case("border", fb::SamplePadding_Border)
                                .Case("reflection", fb::SamplePadding_Reflection)
                                .Default(-1);
        if (mode < 0 || padding < 0) {
          *why = "grid_sample mode '" + o.getMode().str() + "' or padding '" +
                 o.getPadding().str() + "' is unknown";
          return mlir::failure();
        }
        return set(fb::OpCode_GridSample,
                   ParamsSpec::Sample(static_cast<uint8_t>(mode), static_cast<uint8_t>(padding),
                                      o.getAlignCorners()));
      })
      .Case([&](ResampleOp o) {
        return set(fb::OpCode_Resample,
                   ParamsSpec::Unary(o.getExtrapolationValue().convertToFloat(), 0));
      })
      .Case([&](PadOp o) -> mlir::LogicalResult {
        const llvm::StringRef mode = o.getMode();
        auto code = llvm::StringSwitch<int>(mode)
                        .Case("constant", fb::PadMode_Constant)
                        .Case("reflect", fb::PadMode_Reflect)
                        .Case("edge", fb::PadMode_Edge)
                        .Case("wrap", fb::PadMode_Wrap)
                        .Default(-1);
        if (code < 0) {
          *why = "pad mode must be constant, reflect, edge or wrap, got '" + mode.str() + "'";
          return mlir::failure();
        }
        return set(fb::OpCode_Pad, ParamsSpec::Pad(static_cast<uint8_t>(code), Vec(o.getPads()),
                                                   o.getValue().convertToDouble()));
      })
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
      .Case([&](LinearOp o) -> mlir::LogicalResult {
        uint8_t act = 0, layout = 0;
        if (!linear_codes(o.getActivation(), o.getWeightLayout(),
                          {{"kn", fb::WeightLayout_KN}, {"panel16", fb::WeightLayout_Panel16}},
                          &act, &layout))
          return mlir::failure();
        ParamsSpec p = ParamsSpec::Linear(act, layout);
        // axle-fuse-im2col: the input is [N, H, W, C] and the rows are its convolution windows.
        if (auto window = o->getAttrOfType<mlir::DenseI64ArrayAttr>(kConvWindowAttr))
          p.list = Vec(window.asArrayRef());
        return set(fb::OpCode_Linear, p);
      })
      .Case([&](QuantizeLinearOp) { return set(fb::OpCode_QuantizeLinear); })
      .Case([&](DequantizeLinearOp) { return set(fb::OpCode_DequantizeLinear); })
      .Case([&](LinearInt8Op o) -> mlir::LogicalResult {
        uint8_t act = 0, layout = 0;
        if (!linear_codes(o.getActivation(), o.getWeightLayout(),
                          {{"kn", fb::WeightLayout_KN},
                           {"s8panel16x4", fb::WeightLayout_S8Panel16x4},
                           {"s8panel16x8", fb::WeightLayout_S8Panel16x8}},
                          &act, &layout))
          return mlir::failure();
        const int64_t zp = o.getInputZeroPoint();
        if (zp < 0 || zp > 255) {
          *why = "input_zero_point " + std::to_string(zp) + " is outside [0, 255]";
          return mlir::failure();
        }
        return set(fb::OpCode_LinearInt8,
                   ParamsSpec::Linear(act, layout, o.getInputScale().convertToFloat(),
                                      static_cast<int32_t>(zp)));
      })
      .Case([&](LinearWeightOnlyOp o) -> mlir::LogicalResult {
        uint8_t act = 0, layout = 0;
        if (!linear_codes(o.getActivation(), o.getWeightLayout(),
                          {{"w8panel16", fb::WeightLayout_W8Panel16},
                           {"w4panel16", fb::WeightLayout_W4Panel16}},
                          &act, &layout))
          return mlir::failure();
        const int64_t group = o.getGroupSize();
        if (group != 32 && group != 64 && group != 128) {
          *why = "group_size " + std::to_string(group) + " is not 32, 64 or 128";
          return mlir::failure();
        }
        return set(fb::OpCode_LinearWeightOnly,
                   ParamsSpec::Linear(act, layout, 1.0f, 0, static_cast<int32_t>(group)));
      })
      .Case([&](GeluOp o) -> mlir::LogicalResult {
        const llvm::StringRef a = o.getApproximate();
        if (a != "none" && a != "tanh") {
          *why = "approximate must be 'none' or 'tanh', got '" + a.str() + "'";
          return mlir::failure();
        }
        return set(fb::OpCode_Gelu, ParamsSpec::Activation(a == "tanh" ? fb::Activation_GeluTanh
                                                                       : fb::Activation_Gelu));
      })
      .Case([&](AttentionOp o) -> mlir::LogicalResult {
        auto mode = MaskModeCode(o.getMaskMode());
        if (!mode) {
          *why = "unknown mask_mode '" + o.getMaskMode().str() + "'";
          return mlir::failure();
        }
        return set(fb::OpCode_Attention,
                   ParamsSpec::Attention(o.getNumHeads(), o.getScale().convertToFloat(), *mode,
                                         o.getMaskFill().convertToFloat(), o.getKvHeads(),
                                         o.getZeroEmptyRows()));
      })
      .Case([&](RmsNormOp o) {
        const int64_t rank = llvm::cast<mlir::RankedTensorType>(o.getType()).getRank();
        return set(fb::OpCode_RmsNormalization,
                   ParamsSpec::LayerNorm(rank - 1, o.getEpsilon().convertToFloat()));
      })
      .Case([&](FusedElementwiseOp o) -> mlir::LogicalResult {
        std::vector<uint8_t> code;
        if (mlir::failed(EncodeElementwiseProgram(o.getProgram(), &code, why)))
          return mlir::failure();
        auto c = o.getConstants();
        return set(fb::OpCode_FusedElementwise,
                   ParamsSpec::Elementwise(std::move(code), {c.begin(), c.end()}));
      })
      .Default([&](mlir::Operation* other) {
        *why = "the runtime has no kernel for '" + other->getName().getStringRef().str() + "'";
        return mlir::failure();
      });
}

}  // namespace axle::ir
