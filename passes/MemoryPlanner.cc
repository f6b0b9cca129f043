// Greedy-by-size arena placement with in-place reuse.
#include "passes/MemoryPlanner.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace axle::passes {
namespace {

uint64_t AlignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

bool Overlaps(const BufferLifetime& a, const BufferLifetime& b) {
  return a.first <= b.last && b.first <= a.last;
}

}  // namespace

MemoryPlan PlanMemory(const std::vector<BufferLifetime>& input, uint64_t alignment) {
  std::vector<BufferLifetime> buffers = input;
  for (auto& b : buffers) b.bytes = AlignUp(b.bytes, alignment);
  MemoryPlan plan;
  plan.offsets.assign(buffers.size(), 0);

  // Lower bound: the most bytes live at any one step (an in-place pair counted once).
  std::map<int64_t, uint64_t> live;
  for (size_t i = 0; i < buffers.size(); ++i) {
    const auto& b = buffers[i];
    for (int64_t t = b.first; t <= b.last; ++t) {
      const bool shared = b.reuse >= 0 && t == b.first && buffers[b.reuse].last == b.first &&
                          buffers[b.reuse].bytes >= b.bytes;
      if (!shared) live[t] += b.bytes;
    }
  }
  for (const auto& [t, bytes] : live) plan.lower_bound = std::max(plan.lower_bound, bytes);

  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (buffers[a].bytes != buffers[b].bytes) return buffers[a].bytes > buffers[b].bytes;
    return buffers[a].first < buffers[b].first;
  });
  std::vector<size_t> placed;
  std::vector<bool> done(buffers.size(), false);
  for (size_t i : order) {
    const BufferLifetime& b = buffers[i];
    // Prefer the in-place slot when its owner is placed, dies here and is large enough.
    if (b.reuse >= 0 && done[b.reuse] && buffers[b.reuse].last == b.first &&
        buffers[b.reuse].bytes >= b.bytes) {
      const uint64_t offset = plan.offsets[b.reuse];
      bool free = true;
      for (size_t j : placed)
        if (j != static_cast<size_t>(b.reuse) && Overlaps(b, buffers[j]) &&
            offset < plan.offsets[j] + buffers[j].bytes && plan.offsets[j] < offset + b.bytes)
          free = false;
      if (free) {
        plan.offsets[i] = offset;
        placed.push_back(i);
        done[i] = true;
        continue;
      }
    }
    // Conflicting placed buffers sorted by offset; take the first gap that fits.
    std::vector<size_t> conflicts;
    for (size_t j : placed)
      if (Overlaps(b, buffers[j])) conflicts.push_back(j);  // in place only at one offset
    std::sort(conflicts.begin(), conflicts.end(),
              [&](size_t x, size_t y) { return plan.offsets[x] < plan.offsets[y]; });
    uint64_t offset = 0;
    for (size_t j : conflicts) {
      if (plan.offsets[j] >= offset + b.bytes) break;
      offset = std::max(offset, plan.offsets[j] + buffers[j].bytes);
    }
    plan.offsets[i] = offset;
    placed.push_back(i);
    done[i] = true;
  }
  for (size_t i = 0; i < buffers.size(); ++i)
    plan.arena_bytes = std::max(plan.arena_bytes, plan.offsets[i] + buffers[i].bytes);
  return plan;
}

}  // namespace axle::passes
