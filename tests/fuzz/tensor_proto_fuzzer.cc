// Fuzz target: the two TensorProto readers: protobuf's behind the importer's initializers
// (compiler/onnx/tensor_proto.h) and the protobuf-free one behind `axle run` / `axle-run run`
// (runtime/cli/tensor_file.h). Each message either decodes or is refused with a sentence naming
// what is wrong; what decodes survives a write/read round trip unchanged; and the protobuf-free
// reader is checked against protobuf: what it accepts, protobuf accepts as the same tensor, and
// its encoding parses under protobuf to the same tensor.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "compiler/onnx/tensor_proto.h"
#include "onnx/onnx_pb.h"
#include "runtime/cli/tensor_file.h"

namespace {

// The protobuf-free reader against protobuf's (the oracle).
void CheckWireReader(const uint8_t* data, size_t size) {
  using namespace axle;
  cli::TensorFile mine;
  std::string error;
  if (!cli::DecodeTensorProto(data, size, "input.pb", &mine, &error)) {
    if (error.empty()) {
      std::fprintf(stderr, "wire reader refused without a message\n");
      std::abort();
    }
    return;
  }
  onnx_io::HostTensor want;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  if (!onnx_io::ParseTensor(bytes, "input.pb", &want, &error, /*allow_external=*/false) ||
      static_cast<int>(want.dtype) != static_cast<int>(mine.dtype) || want.shape != mine.shape ||
      want.bytes != mine.bytes || want.name != mine.name) {
    std::fprintf(stderr, "wire reader accepted what protobuf reads differently: %s\n",
                 error.c_str());
    std::abort();
  }
  const std::string encoded = cli::EncodeTensorProto(mine);
  onnx_io::HostTensor back;
  if (!onnx_io::ParseTensor(encoded, "re-encoded", &back, &error, false) ||
      back.bytes != mine.bytes || back.shape != mine.shape || back.name != mine.name) {
    std::fprintf(stderr, "the wire writer's output does not parse back: %s\n", error.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CheckWireReader(data, size);
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
