// Elementwise ONNX ops: arithmetic, comparison and logic with numpy broadcasting, the variadic
// Min/Max/Sum/Mean, math functions, Cast/CastLike and Where.
#include <limits>

#include "compiler/importer/ops/Common.h"

namespace axle::importer {
namespace {

template <typename OpTy>
LogicalResult ImportBinary(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value a, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value b, n.Input(1));
  return n.Out(n.Binary<OpTy>(a, b));
}

// Pow's exponent may have another dtype than its base: brought to the base's.
LogicalResult ImportPow(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value a, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value b, n.Input(1));
  AXLE_ASSIGN_OR_FAIL(b, n.Cast(b, TypeOf(a).getElementType()));
  return n.Out(n.Binary<ir::PowOp>(a, b));
}

LogicalResult ImportMod(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value a, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value b, n.Input(1));
  const bool fmod = n.AttrInt("fmod", 0) != 0;
  if (!fmod && IsFloat(a))
    return n.NodeError() << "fmod must be 1 for floating-point inputs (ONNX Mod)";
  return n.Out(fmod ? n.Binary<ir::FmodOp>(a, b) : n.Binary<ir::ModOp>(a, b));
}

LogicalResult ImportBitShift(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value a, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value b, n.Input(1));
  const std::string direction = n.AttrString("direction", "");
  if (direction == "LEFT") return n.Out(n.Binary<ir::BitShiftLeftOp>(a, b));
  if (direction == "RIGHT") return n.Out(n.Binary<ir::BitShiftRightOp>(a, b));
  return n.NodeError() << "direction must be LEFT or RIGHT, got '" << direction << "'";
}

// Min, Max, Sum, Mean over any number of inputs.
template <typename OpTy, bool kMean = false>
LogicalResult ImportVariadic(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value v, n.Input(0));
  for (int i = 1; i < n.num_inputs(); ++i) {
    AXLE_ASSIGN_OR_FAIL(Value x, n.Input(i));
    AXLE_ASSIGN_OR_FAIL(v, n.Binary<OpTy>(v, x));
  }
  if (kMean && n.num_inputs() > 1)
    return n.Out(n.Binary<ir::DivOp>(v, n.Scalar(n.num_inputs(), TypeOf(v).getElementType())));
  return n.Out(v);
}

template <typename OpTy>
LogicalResult ImportUnary(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  return n.Out(n.Unary<OpTy>(x));
}

LogicalResult ImportIsNaN(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value same, n.Binary<ir::EqualOp>(x, x));
  return n.Out(n.Unary<ir::NotOp>(same));
}

LogicalResult ImportIsInf(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  const bool pos = n.AttrInt("detect_positive", 1), neg = n.AttrInt("detect_negative", 1);
  Type et = TypeOf(x).getElementType();
  const double inf = std::numeric_limits<double>::infinity();
  if (pos && neg) {
    AXLE_ASSIGN_OR_FAIL(Value a, n.Unary<ir::AbsOp>(x));
    return n.Out(n.Binary<ir::EqualOp>(a, n.Scalar(inf, et)));
  }
  if ((!pos && !neg) || !IsFloat(x))  // integers are never infinite
    return n.Out(n.Expand(n.Scalar(0, n.I1()), TypeOf(x).getShape()));
  return n.Out(n.Binary<ir::EqualOp>(x, n.Scalar(pos ? inf : -inf, et)));
}

LogicalResult ImportCast(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  DType to;
  if (!onnx_io::DTypeFromOnnx(static_cast<int32_t>(n.AttrInt("to", 0)), &to))
    return n.NodeError() << "cast to " << onnx_io::OnnxTypeName(n.AttrInt("to", 0))
                         << " is not supported";
  return n.Out(n.Make<ir::CastOp>(
      n.TensorType(TypeOf(x).getShape(), ir::ElementTypeOf(n.context(), to)), x));
}

LogicalResult ImportCastLike(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value like, n.Input(1));
  Type to = TypeOf(like).getElementType();
  if (TypeOf(x).getElementType() == to) return n.Out(n.Make<ir::CopyOp>(TypeOf(x), x));
  return n.Out(n.Make<ir::CastOp>(n.TensorType(TypeOf(x).getShape(), to), x));
}

LogicalResult ImportWhere(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value c, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(1));
  AXLE_ASSIGN_OR_FAIL(Value y, n.Input(2));
  return n.Out(n.Where(c, x, y));
}

}  // namespace

void RegisterElementwiseOps(OpRegistry& r) {
  r.On("Add", 7, ImportBinary<ir::AddOp>);
  r.On("Sub", 7, ImportBinary<ir::SubOp>);
  r.On("Mul", 7, ImportBinary<ir::MulOp>);
  r.On("Div", 7, ImportBinary<ir::DivOp>);
  r.On("Pow", 7, ImportPow);
  r.On("Equal", 7, ImportBinary<ir::EqualOp>);
  r.On("Less", 7, ImportBinary<ir::LessOp>);
  r.On("Greater", 7, ImportBinary<ir::GreaterOp>);
  r.On("LessOrEqual", 12, ImportBinary<ir::LessEqualOp>);
  r.On("GreaterOrEqual", 12, ImportBinary<ir::GreaterEqualOp>);
  r.On("And", 7, ImportBinary<ir::AndOp>);
  r.On("Or", 7, ImportBinary<ir::OrOp>);
  r.On("Xor", 7, ImportBinary<ir::XorOp>);
  r.On("Mod", 10, ImportMod);
  r.On("BitShift", 11, ImportBitShift);
  r.On("Min", 6, ImportVariadic<ir::MinOp>);
  r.On("Max", 6, ImportVariadic<ir::MaxOp>);
  r.On("Sum", 6, ImportVariadic<ir::AddOp>);
  r.On("Mean", 6, ImportVariadic<ir::AddOp, /*kMean=*/true>);
  r.On("Erf", 9, ImportUnary<ir::ErfOp>);
  r.On("Exp", 6, ImportUnary<ir::ExpOp>);
  r.On("Log", 6, ImportUnary<ir::LogOp>);
  r.On("Sqrt", 6, ImportUnary<ir::SqrtOp>);
  r.On("Neg", 6, ImportUnary<ir::NegOp>);
  r.On("Abs", 6, ImportUnary<ir::AbsOp>);
  r.On("Reciprocal", 6, ImportUnary<ir::ReciprocalOp>);
  r.On("Floor", 6, ImportUnary<ir::FloorOp>);
  r.On("Ceil", 6, ImportUnary<ir::CeilOp>);
  r.On("Not", 1, ImportUnary<ir::NotOp>);
  r.On("Sin", 7, ImportUnary<ir::SinOp>);
  r.On("Cos", 7, ImportUnary<ir::CosOp>);
  r.On("Tan", 7, ImportUnary<ir::TanOp>);
  r.On("Asin", 7, ImportUnary<ir::AsinOp>);
  r.On("Acos", 7, ImportUnary<ir::AcosOp>);
  r.On("Atan", 7, ImportUnary<ir::AtanOp>);
  r.On("Sinh", 9, ImportUnary<ir::SinhOp>);
  r.On("Cosh", 9, ImportUnary<ir::CoshOp>);
  r.On("Asinh", 9, ImportUnary<ir::AsinhOp>);
  r.On("Acosh", 9, ImportUnary<ir::AcoshOp>);
  r.On("Atanh", 9, ImportUnary<ir::AtanhOp>);
  r.On("Round", 11, ImportUnary<ir::RoundOp>);
  r.On("Sign", 9, ImportUnary<ir::SignOp>);
  r.On("IsNaN", 9, ImportIsNaN);
  r.On("IsInf", 10, ImportIsInf);
  r.On("Cast", 6, ImportCast);
  r.On("CastLike", 15, ImportCastLike);
  r.On("Where", 9, ImportWhere);
}

}  // namespace axle::importer
