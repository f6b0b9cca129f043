// TensorProto <-> HostTensor. Every size read from a message is checked before it is used: a
// test-data file is as untrusted as a model file.
#include "compiler/onnx/tensor_proto.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "onnx/onnx_pb.h"

namespace axle::onnx_io {
namespace {

using onnx::TensorProto;

// Largest tensor accepted from a file (64 GiB): beyond that a dimension field is corrupt.
constexpr uint64_t kMaxTensorBytes = uint64_t{1} << 36;

struct TypeEntry {
  int32_t onnx;
  DType dtype;
  const char* name;
};

constexpr TypeEntry kTypes[] = {
    {TensorProto::FLOAT, DType::kF32, "FLOAT"},        {TensorProto::UINT8, DType::kU8, "UINT8"},
    {TensorProto::INT8, DType::kI8, "INT8"},           {TensorProto::UINT16, DType::kU16, "UINT16"},
    {TensorProto::INT16, DType::kI16, "INT16"},        {TensorProto::INT32, DType::kI32, "INT32"},
    {TensorProto::INT64, DType::kI64, "INT64"},        {TensorProto::BOOL, DType::kBool, "BOOL"},
    {TensorProto::FLOAT16, DType::kF16, "FLOAT16"},    {TensorProto::DOUBLE, DType::kF64, "DOUBLE"},
    {TensorProto::UINT32, DType::kU32, "UINT32"},      {TensorProto::UINT64, DType::kU64, "UINT64"},
    {TensorProto::BFLOAT16, DType::kBF16, "BFLOAT16"},
};

std::string Describe(const TensorProto& p) {
  return p.name().empty() ? std::string("tensor") : "tensor '" + p.name() + "'";
}

// Copies a repeated field of wider integers element by element into the narrower dtype
// (int32_data carries int8/int16/uint8/uint16/bool values and f16/bf16 bit patterns).
template <typename Dst, typename Field>
void Narrow(const Field& field, std::vector<uint8_t>* bytes) {
  Dst* out = reinterpret_cast<Dst*>(bytes->data());
  for (int i = 0; i < field.size(); ++i) out[i] = static_cast<Dst>(field.Get(i));
}

}  // namespace

int64_t HostTensor::NumElements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

bool DTypeFromOnnx(int32_t onnx_type, DType* out) {
  for (const TypeEntry& e : kTypes)
    if (e.onnx == onnx_type) {
      *out = e.dtype;
      return true;
    }
  return false;
}

int32_t DTypeToOnnx(DType dtype) {
  for (const TypeEntry& e : kTypes)
    if (e.dtype == dtype) return e.onnx;
  return TensorProto::UNDEFINED;
}

const char* OnnxTypeName(int32_t onnx_type) {
  for (const TypeEntry& e : kTypes)
    if (e.onnx == onnx_type) return e.name;
  if (TensorProto::DataType_IsValid(onnx_type))
    return TensorProto::DataType_Name(static_cast<TensorProto::DataType>(onnx_type)).c_str();
  return "unknown";
}

std::string ShapeString(DType dtype, const std::vector<int64_t>& shape) {
  std::ostringstream s;
  s << DTypeName(dtype) << '[';
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? "," : "") << shape[i];
  s << ']';
  return s.str();
}

namespace {

// Reads external data (ONNX's external_data: location, offset, length) into out->bytes. The
// location is untrusted: it must be a relative path without "..", inside base_dir.
bool ReadExternal(const TensorProto& p, const std::string& base_dir, uint64_t nbytes,
                  HostTensor* out, std::string* error) {
  std::string location;
  uint64_t offset = 0, length = nbytes;
  for (const auto& kv : p.external_data()) {
    char* end = nullptr;
    if (kv.key() == "location") {
      location = kv.value();
    } else if (kv.key() == "offset" || kv.key() == "length") {
      const unsigned long long v = std::strtoull(kv.value().c_str(), &end, 10);
      if (kv.value().empty() || *end) {
        *error =
            Describe(p) + ": external data " + kv.key() + " '" + kv.value() + "' is not a number";
        return false;
      }
      (kv.key() == "offset" ? offset : length) = v;
    }
  }
  if (location.empty() || location[0] == '/' || location.find("..") != std::string::npos) {
    *error = Describe(p) + ": external data location '" + location +
             "' must be a relative path inside the model's folder";
    return false;
  }
  if (length != nbytes) {
    *error = Describe(p) + ": external data length " + std::to_string(length) + " differs from " +
             ShapeString(out->dtype, out->shape) + "'s " + std::to_string(nbytes) + " bytes";
    return false;
  }
  const std::string path = (base_dir.empty() ? "." : base_dir) + "/" + location;
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) {
    *error = Describe(p) + ": cannot open external data file '" + path + "'";
    return false;
  }
  const uint64_t size = static_cast<uint64_t>(f.tellg());
  if (offset > size || nbytes > size - offset) {
    *error = Describe(p) + ": external data [" + std::to_string(offset) + ", +" +
             std::to_string(nbytes) + ") runs past the end of '" + path + "' (" +
             std::to_string(size) + " bytes)";
    return false;
  }
  out->bytes.resize(nbytes);
  f.seekg(static_cast<std::streamoff>(offset));
  if (nbytes && !f.read(reinterpret_cast<char*>(out->bytes.data()), nbytes)) {
    *error = Describe(p) + ": cannot read external data from '" + path + "'";
    return false;
  }
  return true;
}

}  // namespace

bool FromProto(const TensorProto& p, HostTensor* out, std::string* error,
               const std::string& base_dir) {
  out->name = p.name();
  if (!DTypeFromOnnx(p.data_type(), &out->dtype)) {
    *error = Describe(p) + " has data type " + OnnxTypeName(p.data_type()) + " (" +
             std::to_string(p.data_type()) + "), which Axle does not support";
    return false;
  }
  if (p.has_segment()) {
    *error = Describe(p) + " is a segment of a larger tensor, which is not supported";
    return false;
  }
  out->shape.assign(p.dims().begin(), p.dims().end());
  uint64_t count = 1;
  for (size_t i = 0; i < out->shape.size(); ++i) {
    const int64_t d = out->shape[i];
    if (d < 0 || __builtin_mul_overflow(count, static_cast<uint64_t>(d), &count) ||
        count * DTypeSize(out->dtype) > kMaxTensorBytes) {
      *error = Describe(p) + ": dimension " + std::to_string(i) + " (" + std::to_string(d) +
               ") is negative or makes the tensor larger than 64 GiB";
      return false;
    }
  }
  const size_t element = DTypeSize(out->dtype);
  const uint64_t nbytes = count * element;
  if (p.data_location() == TensorProto::EXTERNAL)
    return ReadExternal(p, base_dir, nbytes, out, error);
  if (p.has_raw_data()) {
    if (p.raw_data().size() != nbytes) {
      *error = Describe(p) + ": raw_data holds " + std::to_string(p.raw_data().size()) +
               " bytes, but " + ShapeString(out->dtype, out->shape) + " needs " +
               std::to_string(nbytes);
      return false;
    }
    out->bytes.assign(p.raw_data().begin(), p.raw_data().end());
    return true;
  }
  // The typed field must hold one value per element before anything is allocated: the
  // dimensions alone may claim gigabytes that the message does not carry.
  auto check_count = [&](int64_t have, const char* field) {
    if (static_cast<uint64_t>(have) == count) {
      out->bytes.assign(nbytes, 0);
      return true;
    }
    *error = Describe(p) + ": " + field + " holds " + std::to_string(have) + " values, but " +
             ShapeString(out->dtype, out->shape) + " has " + std::to_string(count) + " elements";
    return false;
  };
  switch (out->dtype) {
  case DType::kF32:
    if (!check_count(p.float_data_size(), "float_data")) return false;
    if (count) std::memcpy(out->bytes.data(), p.float_data().data(), nbytes);
    return true;
  case DType::kF64:
    if (!check_count(p.double_data_size(), "double_data")) return false;
    if (count) std::memcpy(out->bytes.data(), p.double_data().data(), nbytes);
    return true;
  case DType::kI64:
    if (!check_count(p.int64_data_size(), "int64_data")) return false;
    if (count) std::memcpy(out->bytes.data(), p.int64_data().data(), nbytes);
    return true;
  case DType::kI32:
    if (!check_count(p.int32_data_size(), "int32_data")) return false;
    if (count) std::memcpy(out->bytes.data(), p.int32_data().data(), nbytes);
    return true;
  case DType::kU32:
    if (!check_count(p.uint64_data_size(), "uint64_data")) return false;
    Narrow<uint32_t>(p.uint64_data(), &out->bytes);
    return true;
  case DType::kU64:
    if (!check_count(p.uint64_data_size(), "uint64_data")) return false;
    if (count) std::memcpy(out->bytes.data(), p.uint64_data().data(), nbytes);
    return true;
  case DType::kI8:
    if (!check_count(p.int32_data_size(), "int32_data")) return false;
    Narrow<int8_t>(p.int32_data(), &out->bytes);
    return true;
  case DType::kU8:
  case DType::kBool:
    if (!check_count(p.int32_data_size(), "int32_data")) return false;
    Narrow<uint8_t>(p.int32_data(), &out->bytes);
    return true;
  case DType::kI16:
    if (!check_count(p.int32_data_size(), "int32_data")) return false;
    Narrow<int16_t>(p.int32_data(), &out->bytes);
    return true;
  case DType::kU16:
  case DType::kF16:
  case DType::kBF16:
    if (!check_count(p.int32_data_size(), "int32_data")) return false;
    Narrow<uint16_t>(p.int32_data(), &out->bytes);
    return true;
  }
  *error = Describe(p) + ": unsupported dtype";
  return false;
}

void ToProto(const HostTensor& t, TensorProto* p) {
  p->Clear();
  p->set_name(t.name);
  p->set_data_type(DTypeToOnnx(t.dtype));
  for (int64_t d : t.shape) p->add_dims(d);
  p->set_raw_data(t.bytes.data(), t.bytes.size());
}

bool ReadTensorFile(const std::string& path, HostTensor* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::stringstream content;
  content << in.rdbuf();
  return ParseTensor(content.str(), path, out, error);
}

bool ParseTensor(const std::string& bytes, const std::string& what, HostTensor* out,
                 std::string* error, bool allow_external, const std::string& base_dir) {
  TensorProto proto;
  if (!proto.ParseFromString(bytes)) {
    *error = "'" + what + "' is not a valid ONNX TensorProto file";
    return false;
  }
  if (!allow_external && proto.data_location() == TensorProto::EXTERNAL) {
    *error = what + ": " + Describe(proto) + " refers to external data, which is not read here";
    return false;
  }
  if (!FromProto(proto, out, error, base_dir)) {
    *error = what + ": " + *error;
    return false;
  }
  return true;
}

bool WriteTensorFile(const std::string& path, const HostTensor& tensor, std::string* error) {
  TensorProto proto;
  ToProto(tensor, &proto);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out || !proto.SerializeToOstream(&out) || !out.flush()) {
    *error = "cannot write '" + path + "': " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace axle::onnx_io
