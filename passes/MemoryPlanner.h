// Static memory planning: places buffers with known lifetimes into one arena so that no two
// buffers live at the same time overlap. Greedy by size (largest first, each at the lowest
// offset that fits between the already placed buffers it conflicts with), the TFLite planner's
// strategy; the arena is compared against the lower bound max_t(sum of bytes live at step t).
#ifndef AXLE_PASSES_MEMORYPLANNER_H_
#define AXLE_PASSES_MEMORYPLANNER_H_

#include <cstdint>
#include <vector>

namespace axle::passes {

struct BufferLifetime {
  uint64_t bytes = 0;  // rounded up to the alignment by the planner
  int64_t first = 0;   // first step that writes it (or -1: live on entry)
  int64_t last = 0;    // last step that reads it (inclusive)
  // In-place candidate: this buffer may take the offset of buffer `reuse` when `reuse` dies at
  // this buffer's `first` step (elementwise ops that read element i before writing element i).
  int64_t reuse = -1;
};

struct MemoryPlan {
  std::vector<uint64_t> offsets;  // per buffer, multiples of the alignment
  uint64_t arena_bytes = 0;       // multiple of the alignment
  uint64_t lower_bound = 0;       // largest sum of simultaneously live (aligned) bytes
};

MemoryPlan PlanMemory(const std::vector<BufferLifetime>& buffers, uint64_t alignment = 64);

}  // namespace axle::passes

#endif  // AXLE_PASSES_MEMORYPLANNER_H_
