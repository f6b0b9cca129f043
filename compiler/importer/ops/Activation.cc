// Activation functions. Those without a kernel of their own are decomposed into elementwise ops
// (which the elementwise fusion pass turns into one fused step for f32).
#include <limits>

#include "compiler/importer/ops/Common.h"

namespace axle::importer {
namespace {

template <typename OpTy>
LogicalResult ImportUnary(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  return n.Out(n.Unary<OpTy>(x));
}

LogicalResult ImportLeakyRelu(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  return n.Out(n.Make<ir::LeakyReluOp>(TypeOf(x), x,
                                       n.builder().getF32FloatAttr(n.AttrFloat("alpha", 0.01f))));
}

LogicalResult ImportClip(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  double lo = n.AttrFloat("min", -std::numeric_limits<float>::infinity());  // before opset 11
  double hi = n.AttrFloat("max", std::numeric_limits<float>::infinity());
  if (n.opset() >= 11 && (mlir::failed(n.OptionalConstScalar(1, "min", &lo)) ||
                          mlir::failed(n.OptionalConstScalar(2, "max", &hi))))
    return mlir::failure();
  return n.Out(n.Make<ir::ClipOp>(TypeOf(x), x, n.builder().getF32FloatAttr(lo),
                                  n.builder().getF32FloatAttr(hi)));
}

// x > 0 ? x : negative(x), with negative built from exp(x).
mlir::FailureOr<Value> ExpLinear(NodeImporter& n, Value x, double alpha, double scale_pos,
                                 double scale_neg, double inner) {
  Type et = TypeOf(x).getElementType();
  Value in = x;
  if (inner != 1.0) {
    AXLE_ASSIGN_OR_FAIL(in, n.Binary<ir::MulOp>(x, n.Scalar(1.0 / inner, et)));
  }
  AXLE_ASSIGN_OR_FAIL(Value e, n.Unary<ir::ExpOp>(in));
  AXLE_ASSIGN_OR_FAIL(Value em1, n.Binary<ir::SubOp>(e, n.Scalar(1.0, et)));
  AXLE_ASSIGN_OR_FAIL(Value neg, n.Binary<ir::MulOp>(em1, n.Scalar(alpha * scale_neg, et)));
  Value pos = x;
  if (scale_pos != 1.0) {
    AXLE_ASSIGN_OR_FAIL(pos, n.Binary<ir::MulOp>(x, n.Scalar(scale_pos, et)));
  }
  AXLE_ASSIGN_OR_FAIL(Value c, n.Binary<ir::GreaterOp>(x, n.Scalar(0.0, et)));
  return n.Where(c, pos, neg);
}

LogicalResult ImportElu(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  return n.Out(ExpLinear(n, x, n.AttrFloat("alpha", 1.0f), 1.0, 1.0, 1.0));
}

LogicalResult ImportSelu(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  const double gamma = n.AttrFloat("gamma", 1.05070102214813232421875f);
  return n.Out(
      ExpLinear(n, x, n.AttrFloat("alpha", 1.67326319217681884765625f), gamma, gamma, 1.0));
}

// Celu: max(0, x) + min(0, alpha (exp(x / alpha) - 1)).
LogicalResult ImportCelu(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  const double alpha = n.AttrFloat("alpha", 1.0f);
  return n.Out(ExpLinear(n, x, alpha, 1.0, 1.0, alpha));
}

// Softplus: log(1 + exp(x)), as max(x, 0) + log(1 + exp(-|x|)) so that large x stays finite.
mlir::FailureOr<Value> Softplus(NodeImporter& n, Value x) {
  Type et = TypeOf(x).getElementType();
  AXLE_ASSIGN_OR_FAIL(Value a, n.Unary<ir::AbsOp>(x));
  AXLE_ASSIGN_OR_FAIL(Value na, n.Unary<ir::NegOp>(a));
  AXLE_ASSIGN_OR_FAIL(Value e, n.Unary<ir::ExpOp>(na));
  AXLE_ASSIGN_OR_FAIL(Value e1, n.Binary<ir::AddOp>(e, n.Scalar(1.0, et)));
  AXLE_ASSIGN_OR_FAIL(Value l, n.Unary<ir::LogOp>(e1));
  AXLE_ASSIGN_OR_FAIL(Value r, n.Unary<ir::ReluOp>(x));
  return n.Binary<ir::AddOp>(r, l);
}

LogicalResult ImportSoftplus(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  return n.Out(Softplus(n, x));
}

LogicalResult ImportSoftsign(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value a, n.Unary<ir::AbsOp>(x));
  AXLE_ASSIGN_OR_FAIL(Value d, n.Binary<ir::AddOp>(a, n.Scalar(1.0, TypeOf(x).getElementType())));
  return n.Out(n.Binary<ir::DivOp>(x, d));
}

mlir::FailureOr<Value> HardSigmoid(NodeImporter& n, Value x, double alpha, double beta) {
  Type et = TypeOf(x).getElementType();
  AXLE_ASSIGN_OR_FAIL(Value ax, n.Binary<ir::MulOp>(x, n.Scalar(alpha, et)));
  AXLE_ASSIGN_OR_FAIL(Value axb, n.Binary<ir::AddOp>(ax, n.Scalar(beta, et)));
  return n.Make<ir::ClipOp>(TypeOf(axb), axb, n.builder().getF32FloatAttr(0.0f),
                            n.builder().getF32FloatAttr(1.0f));
}

LogicalResult ImportHardSigmoid(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  return n.Out(HardSigmoid(n, x, n.AttrFloat("alpha", 0.2f), n.AttrFloat("beta", 0.5f)));
}

LogicalResult ImportHardSwish(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value h, HardSigmoid(n, x, 1.0 / 6.0, 0.5));
  return n.Out(n.Binary<ir::MulOp>(x, h));
}

LogicalResult ImportMish(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value sp, Softplus(n, x));
  AXLE_ASSIGN_OR_FAIL(Value t, n.Unary<ir::TanhOp>(sp));
  return n.Out(n.Binary<ir::MulOp>(x, t));
}

LogicalResult ImportPRelu(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value slope, n.Input(1));
  // Old exports (opset < 7) give one slope per channel as [C], meaning axis 1.
  RankedTensorType xt = TypeOf(x), st = TypeOf(slope);
  if (!ir::BroadcastShapes(xt.getShape(), st.getShape()) && st.getRank() == 1 &&
      xt.getRank() >= 2 && st.getDimSize(0) == xt.getDimSize(1)) {
    SmallVector<int64_t> shape(xt.getRank() - 1, 1);
    shape[0] = st.getDimSize(0);
    AXLE_ASSIGN_OR_FAIL(slope, n.Reshape(slope, shape));
  }
  AXLE_ASSIGN_OR_FAIL(Value neg, n.Binary<ir::MulOp>(x, slope));
  AXLE_ASSIGN_OR_FAIL(Value c, n.Binary<ir::LessOp>(x, n.Scalar(0.0, TypeOf(x).getElementType())));
  return n.Out(n.Where(c, neg, x));
}

LogicalResult ImportThresholdedRelu(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  Type et = TypeOf(x).getElementType();
  AXLE_ASSIGN_OR_FAIL(Value c,
                      n.Binary<ir::GreaterOp>(x, n.Scalar(n.AttrFloat("alpha", 1.0f), et)));
  return n.Out(n.Where(c, x, n.Scalar(0.0, et)));
}

// Shrink: x < -lambd ? x + bias : x > lambd ? x - bias : 0.
LogicalResult ImportShrink(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  Type et = TypeOf(x).getElementType();
  const double lambd = n.AttrFloat("lambd", 0.5f), bias = n.AttrFloat("bias", 0.0f);
  AXLE_ASSIGN_OR_FAIL(Value lo, n.Binary<ir::LessOp>(x, n.Scalar(-lambd, et)));
  AXLE_ASSIGN_OR_FAIL(Value hi, n.Binary<ir::GreaterOp>(x, n.Scalar(lambd, et)));
  AXLE_ASSIGN_OR_FAIL(Value plus, n.Binary<ir::AddOp>(x, n.Scalar(bias, et)));
  AXLE_ASSIGN_OR_FAIL(Value minus, n.Binary<ir::SubOp>(x, n.Scalar(bias, et)));
  AXLE_ASSIGN_OR_FAIL(Value upper, n.Where(hi, minus, n.Scalar(0.0, et)));
  return n.Out(n.Where(lo, plus, upper));
}

LogicalResult ImportGelu(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  const std::string approximate = n.AttrString("approximate", "none");
  if (approximate != "none" && approximate != "tanh")
    return n.NodeError() << "approximate must be 'none' or 'tanh', got '" << approximate << "'";
  return n.Out(n.Make<ir::GeluOp>(TypeOf(x), x, n.builder().getStringAttr(approximate)));
}

}  // namespace

void RegisterActivationOps(OpRegistry& r) {
  r.On("Relu", 6, ImportUnary<ir::ReluOp>);
  r.On("Sigmoid", 6, ImportUnary<ir::SigmoidOp>);
  r.On("Tanh", 6, ImportUnary<ir::TanhOp>);
  r.On("LeakyRelu", 6, ImportLeakyRelu);
  r.On("Clip", 6, ImportClip);
  r.On("Elu", 6, ImportElu);
  r.On("Selu", 6, ImportSelu);
  r.On("Celu", 12, ImportCelu);
  r.On("Softplus", 1, ImportSoftplus);
  r.On("Softsign", 1, ImportSoftsign);
  r.On("HardSigmoid", 6, ImportHardSigmoid);
  r.On("HardSwish", 14, ImportHardSwish);
  r.On("Mish", 18, ImportMish);
  r.On("PRelu", 7, ImportPRelu);
  r.On("ThresholdedRelu", 10, ImportThresholdedRelu);
  r.On("Shrink", 9, ImportShrink);
  r.On("Gelu", 20, ImportGelu);
}

}  // namespace axle::importer
