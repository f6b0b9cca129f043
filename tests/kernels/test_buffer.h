// A tensor view over a vector that the kernel tests own: the shape, the values (zeros when
// none are given) and the view a kernel takes.
#ifndef AXLE_TESTS_KERNELS_TEST_BUFFER_H_
#define AXLE_TESTS_KERNELS_TEST_BUFFER_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "kernels/common/tensor.h"

namespace axle::ref {

template <typename T>
struct Buf {
  std::vector<T> v;
  TensorView view;
  Buf(DType dt, std::vector<int64_t> shape, std::vector<T> values = {}) {
    view.dtype = dt;
    view.shape.rank = static_cast<int>(shape.size());
    int64_t n = 1;
    for (size_t i = 0; i < shape.size(); ++i) {
      view.shape.dims[i] = shape[i];
      n *= shape[i];
    }
    v = values.empty() ? std::vector<T>(n) : values;
    EXPECT_EQ(static_cast<int64_t>(v.size()), n);
    view.data = v.data();
  }
};
using F = Buf<float>;

}  // namespace axle::ref

#endif  // AXLE_TESTS_KERNELS_TEST_BUFFER_H_
