// Control flow: If with a condition known at compile time imports the taken branch inline.
#include "compiler/importer/ops/Common.h"

namespace axle::importer {
namespace {

LogicalResult ImportIf(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(double cond, n.ConstScalar(0, "cond"));
  const auto* branch = n.Attr(cond != 0 ? "then_branch" : "else_branch");
  if (!branch || !branch->has_g())
    return n.NodeError() << (cond != 0 ? "then_branch" : "else_branch") << " is missing";
  AXLE_ASSIGN_OR_FAIL(SmallVector<Value> results, n.ImportSubgraph(branch->g()));
  if (static_cast<int>(results.size()) != n.num_outputs())
    return n.NodeError() << "the branch has " << results.size() << " outputs for "
                         << n.num_outputs();
  for (size_t i = 0; i < results.size(); ++i) n.SetOutput(i, results[i]);
  return mlir::success();
}

}  // namespace

void RegisterControlFlowOps(OpRegistry& r) { r.On("If", 1, ImportIf); }

}  // namespace axle::importer
