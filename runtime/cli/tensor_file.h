// Serialized ONNX TensorProto files (the ONNX test-data layout of `axle run` / `axle-run run`)
// without protobuf: the runtime side links no protobuf (the cross-compiled axle-run included), so
// this reads the wire format of the fields a dense tensor uses (dims, data_type, name, raw_data
// and the typed value fields) and writes dims, data_type, name and raw_data. Every length and
// varint is bounds-checked; external data, segments and strings are refused with a message.
// The compiler side decodes with protobuf (compiler/onnx/tensor_proto.h); tests/cli checks both
// against the onnx Python package.
#ifndef AXLE_RUNTIME_CLI_TENSOR_FILE_H_
#define AXLE_RUNTIME_CLI_TENSOR_FILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "axle/axle.h"

namespace axle::cli {

struct TensorFile {
  std::string name;
  axle_dtype_t dtype = AXLE_DTYPE_F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;  // product(shape) * axle_dtype_size(dtype), little-endian
};

// Decodes a serialized TensorProto; `what` names its source in the message set on failure.
bool DecodeTensorProto(const uint8_t* data, size_t size, const std::string& what, TensorFile* out,
                       std::string* error);
std::string EncodeTensorProto(const TensorFile& tensor);

bool ReadTensorFile(const std::string& path, TensorFile* out, std::string* error);
bool WriteTensorFile(const std::string& path, const TensorFile& tensor, std::string* error);

}  // namespace axle::cli

#endif  // AXLE_RUNTIME_CLI_TENSOR_FILE_H_
