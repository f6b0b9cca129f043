// Conversion between ONNX TensorProto messages (the ONNX test-data `.pb` files, graph
// initializers) and Axle's dense tensors. Used by `axle run` for inputs and outputs, and by the
// ONNX importer for initializers.
#ifndef AXLE_COMPILER_ONNX_TENSOR_PROTO_H_
#define AXLE_COMPILER_ONNX_TENSOR_PROTO_H_

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/common/tensor.h"

namespace onnx {
class TensorProto;
}

namespace axle::onnx_io {

// A dense row-major tensor that owns its bytes.
struct HostTensor {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;  // product(shape) * DTypeSize(dtype)

  int64_t NumElements() const;
};

// Maps an ONNX TensorProto.DataType code to an Axle dtype; false for types Axle has no
// tensor dtype for (string, complex, float8...).
bool DTypeFromOnnx(int32_t onnx_type, DType* out);
int32_t DTypeToOnnx(DType dtype);
// Name of an ONNX data type code, e.g. "FLOAT", for messages.
const char* OnnxTypeName(int32_t onnx_type);

// Decodes a TensorProto (raw_data, the typed repeated fields, or external data in a file
// relative to `base_dir`, the model's folder). On failure returns false and sets *error to a
// sentence naming the tensor and what is wrong.
bool FromProto(const onnx::TensorProto& proto, HostTensor* out, std::string* error,
               const std::string& base_dir = "");
// Encodes as a TensorProto with raw_data.
void ToProto(const HostTensor& tensor, onnx::TensorProto* proto);

// Decodes a serialized TensorProto (`what` names its source in messages). External data is
// refused unless allow_external, and then read relative to base_dir.
bool ParseTensor(const std::string& bytes, const std::string& what, HostTensor* out,
                 std::string* error, bool allow_external = true, const std::string& base_dir = "");
// Reads / writes a serialized TensorProto file.
bool ReadTensorFile(const std::string& path, HostTensor* out, std::string* error);
bool WriteTensorFile(const std::string& path, const HostTensor& tensor, std::string* error);

// "f32[1,256,96]" for messages and summaries.
std::string ShapeString(DType dtype, const std::vector<int64_t>& shape);

}  // namespace axle::onnx_io

#endif  // AXLE_COMPILER_ONNX_TENSOR_PROTO_H_
