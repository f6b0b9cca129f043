// The runtime's one clock: monotonic nanoseconds, for step profiles and the thread pool's spin
// budget (a vDSO call, no system call).
#ifndef AXLE_RUNTIME_SRC_CLOCK_H_
#define AXLE_RUNTIME_SRC_CLOCK_H_

#include <time.h>

#include <cstdint>

namespace axle {

inline int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace axle

#endif  // AXLE_RUNTIME_SRC_CLOCK_H_
