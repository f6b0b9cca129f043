// Error reporting inside the runtime: a status code is returned, and its message is written to
// a per-thread buffer (no allocation, no exceptions). Callers add context by prefixing.
#ifndef AXLE_RUNTIME_SRC_STATUS_H_
#define AXLE_RUNTIME_SRC_STATUS_H_

#include "axle/axle.h"

namespace axle {

using Status = axle_status_t;

// Sets this thread's message from a printf format and returns `code`.
Status Error(Status code, const char* format, ...) __attribute__((format(printf, 2, 3)));
// Prepends a printf-formatted prefix to this thread's message and returns `code`.
Status PrefixError(Status code, const char* format, ...) __attribute__((format(printf, 2, 3)));
const char* LastErrorMessage();

}  // namespace axle

#define AXLE_RETURN_IF_ERROR(expr)                                                                 \
  do {                                                                                             \
    const ::axle::Status axle_status_ = (expr);                                                    \
    if (axle_status_ != AXLE_OK) return axle_status_;                                              \
  } while (0)

#endif  // AXLE_RUNTIME_SRC_STATUS_H_
