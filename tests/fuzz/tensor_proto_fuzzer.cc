// Fuzz target: the TensorProto reader behind `axle run --inputs` (and the importer's
// initializers). A message either decodes or is refused with a sentence naming what is wrong;
// what decodes must survive a write/read round trip unchanged.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "compiler/onnx/tensor_proto.h"
#include "onnx/onnx_pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace axle::onnx_io;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  HostTensor t;
  std::string error;
  // Never external data here: the fuzzer must not read files named by its input.
  if (!ParseTensor(bytes, "input.pb", &t, &error, /*allow_external=*/false)) {
    if (error.empty()) {
      std::fprintf(stderr, "refused without a message\n");
      std::abort();
    }
    return 0;
  }
  if (static_cast<uint64_t>(t.NumElements()) * axle::DTypeSize(t.dtype) != t.bytes.size()) {
    std::fprintf(stderr, "decoded %s holds %zu bytes\n", ShapeString(t.dtype, t.shape).c_str(),
                 t.bytes.size());
    std::abort();
  }
  onnx::TensorProto again;
  ToProto(t, &again);
  HostTensor back;
  if (!ParseTensor(again.SerializeAsString(), "round trip", &back, &error, false) ||
      back.dtype != t.dtype || back.shape != t.shape || back.bytes != t.bytes ||
      back.name != t.name) {
    std::fprintf(stderr, "round trip of %s changed it: %s\n", ShapeString(t.dtype, t.shape).c_str(),
                 error.c_str());
    std::abort();
  }
  return 0;
}
