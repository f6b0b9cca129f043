// Loss ops, decomposed: NegativeLogLikelihoodLoss as a GatherElements of the target classes with
// weights and ignore_index, SoftmaxCrossEntropyLoss as LogSoftmax followed by it.
#include "compiler/importer/ops/Common.h"

namespace axle::importer {
namespace {

// NLL of log-probabilities `input` [N, C, d...] at `target` [N, d...] (`weight` [C] or null).
mlir::FailureOr<Value> Nll(NodeImporter& n, Value input, Value target, Value weight) {
  RankedTensorType it = TypeOf(input), tt = TypeOf(target);
  if (it.getRank() < 2 || tt.getRank() != it.getRank() - 1) {
    n.NodeError() << "input " << it << " and target " << tt << " do not fit [N, C, ...] / [N, ...]";
    return mlir::failure();
  }
  Type et = it.getElementType();
  const std::string reduction = n.AttrString("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean") {
    n.NodeError() << "reduction '" << reduction << "' is unknown";
    return mlir::failure();
  }
  AXLE_ASSIGN_OR_FAIL(Value t, n.Cast(target, n.I64()));
  Value valid;
  if (const auto* ig = n.Attr("ignore_index")) {
    AXLE_ASSIGN_OR_FAIL(Value ne, n.Binary<ir::EqualOp>(t, n.Scalar(ig->i(), n.I64())));
    AXLE_ASSIGN_OR_FAIL(valid, n.Unary<ir::NotOp>(ne));
    AXLE_ASSIGN_OR_FAIL(t, n.Where(valid, t, n.Scalar(0, n.I64())));
  }
  SmallVector<int64_t> ushape(tt.getShape());
  ushape.insert(ushape.begin() + 1, 1);
  AXLE_ASSIGN_OR_FAIL(Value tu, n.Reshape(t, ushape));
  AXLE_ASSIGN_OR_FAIL(Value picked,
                      n.Make<ir::GatherElementsOp>(n.TensorType(ushape, et), input, tu,
                                                   n.builder().getI64IntegerAttr(1)));
  AXLE_ASSIGN_OR_FAIL(picked, n.Reshape(picked, tt.getShape()));
  AXLE_ASSIGN_OR_FAIL(Value loss, n.Unary<ir::NegOp>(picked));
  Value w;  // the weight of every position (null: all 1)
  if (weight) {
    if (TypeOf(weight).getRank() != 1 || TypeOf(weight).getDimSize(0) != it.getDimSize(1)) {
      n.NodeError() << "weight " << TypeOf(weight) << " must hold one value per class ("
                    << it.getDimSize(1) << ")";
      return mlir::failure();
    }
    AXLE_ASSIGN_OR_FAIL(w, n.Gather(weight, t, 0));
  }
  if (valid) {
    if (w) {
      AXLE_ASSIGN_OR_FAIL(w, n.Where(valid, w, n.Scalar(0, et)));
    } else {
      AXLE_ASSIGN_OR_FAIL(w, n.Cast(valid, et));
    }
  }
  if (w) {
    AXLE_ASSIGN_OR_FAIL(loss, n.Binary<ir::MulOp>(loss, w));
  }
  if (reduction == "none") return loss;
  SmallVector<int64_t> all;
  for (int64_t d = 0; d < tt.getRank(); ++d) all.push_back(d);
  AXLE_ASSIGN_OR_FAIL(Value sum, n.Reduce<ir::ReduceSumOp>(loss, all, false));
  if (reduction == "sum") return sum;
  if (!w) return n.Binary<ir::DivOp>(sum, n.Scalar(tt.getNumElements(), et));
  AXLE_ASSIGN_OR_FAIL(Value wsum, n.Reduce<ir::ReduceSumOp>(w, all, false));
  return n.Binary<ir::DivOp>(sum, wsum);
}

LogicalResult ImportNll(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value input, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value target, n.Input(1));
  AXLE_ASSIGN_OR_FAIL(Value weight, n.Input(2, /*optional=*/true));
  return n.Out(Nll(n, input, target, weight));
}

LogicalResult ImportSoftmaxCrossEntropy(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value scores, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value labels, n.Input(1));
  AXLE_ASSIGN_OR_FAIL(Value weight, n.Input(2, /*optional=*/true));
  if (TypeOf(scores).getRank() < 2) return n.NodeError() << "scores must have rank >= 2";
  AXLE_ASSIGN_OR_FAIL(Value log_prob, n.LogSoftmax(scores, 1));
  AXLE_ASSIGN_OR_FAIL(Value loss, Nll(n, log_prob, labels, weight));
  n.SetOutput(0, loss);
  n.SetOutput(1, log_prob);
  return mlir::success();
}

}  // namespace

void RegisterLossOps(OpRegistry& r) {
  r.On("NegativeLogLikelihoodLoss", 12, ImportNll);
  r.On("SoftmaxCrossEntropyLoss", 12, ImportSoftmaxCrossEntropy);
}

}  // namespace axle::importer
