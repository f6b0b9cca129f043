// Small models built by hand with ModelBuilder, for tests, fuzzing and the demo.
#ifndef AXLE_TESTS_MODELS_TEST_MODELS_H_
#define AXLE_TESTS_MODELS_TEST_MODELS_H_

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "runtime/writer/model_writer.h"

namespace axle::testing {

// A two-layer perceptron with weights in the constant segment:
// x f32[1,16] -> MatMul W1[16,32] -> Add b1 -> Relu -> MatMul W2[32,10] -> Add b2 -> Softmax.
ModelBuilder BuildMlp();
// Deterministic weights of BuildMlp, in the order W1, b1, W2, b2 (for closed-form checks).
std::vector<float> MlpWeights(int which);

// Big enough for the kernels to split steps across threads: x f32[128,256] -> MatMul
// W1[256,512] -> Relu -> Softmax(axis 1) -> MatMul W2[512,64] -> y f32[128,64].
ModelBuilder BuildWide();

// Every reference op on model inputs only (no constants), so an external oracle (numpy) can
// recompute each output from the inputs alone. Inputs: x f32[2,3,4], y f32[4], idx i64[2],
// cond bool[3,4], ia i32[6], ib i32[6]; outputs are named after what they compute.
ModelBuilder BuildZoo();

// A 64-byte aligned copy of a model file, as the runtime requires of caller buffers.
class AlignedBytes {
 public:
  explicit AlignedBytes(const std::vector<uint8_t>& bytes) : size_(bytes.size()) {
    data_ = static_cast<uint8_t*>(std::aligned_alloc(64, (size_ + 64) / 64 * 64));
    if (size_) std::memcpy(data_, bytes.data(), size_);
  }
  ~AlignedBytes() { std::free(data_); }
  AlignedBytes(const AlignedBytes&) = delete;
  AlignedBytes& operator=(const AlignedBytes&) = delete;
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  uint8_t* data_;
  size_t size_;
};

}  // namespace axle::testing

#endif  // AXLE_TESTS_MODELS_TEST_MODELS_H_
