// The default op table: every family's registrations, built once.
#include "compiler/importer/OpRegistry.h"

#include <algorithm>

namespace axle::importer {

const OpRegistration* OpRegistry::Find(const std::string& name, int64_t opset, bool* known) const {
  auto it = ops_.find(name);
  *known = it != ops_.end();
  if (!*known) return nullptr;
  for (const OpRegistration& r : it->second)
    if (opset >= r.since && opset <= r.until) return &r;
  return nullptr;
}

std::string OpRegistry::Opsets(const std::string& name) const {
  auto it = ops_.find(name);
  if (it == ops_.end()) return "";
  std::vector<OpRegistration> rs = it->second;
  std::sort(rs.begin(), rs.end(),
            [](const OpRegistration& a, const OpRegistration& b) { return a.since < b.since; });
  std::string out;
  for (const OpRegistration& r : rs) {
    if (!out.empty()) out += ", ";
    out += std::to_string(r.since) + "-" + std::to_string(r.until);
  }
  return out;
}

const OpRegistry& OpRegistry::Default() {
  static const OpRegistry* registry = [] {
    auto* r = new OpRegistry;
    RegisterElementwiseOps(*r);
    RegisterActivationOps(*r);
    RegisterReductionOps(*r);
    RegisterShapeOps(*r);
    RegisterIndexingOps(*r);
    RegisterNormalizationOps(*r);
    RegisterConvPoolOps(*r);
    RegisterResizeOps(*r);
    RegisterSignalOps(*r);
    RegisterLinearAlgebraOps(*r);
    RegisterQuantizationOps(*r);
    RegisterRecurrentOps(*r);
    RegisterLossOps(*r);
    RegisterControlFlowOps(*r);
    return r;
  }();
  return *registry;
}

}  // namespace axle::importer
