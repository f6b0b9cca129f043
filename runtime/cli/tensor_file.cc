// The TensorProto wire format (protobuf encoding: varint keys, length-delimited bytes).
#include "runtime/cli/tensor_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace axle::cli {
namespace {

// ONNX TensorProto.DataType codes and Axle dtypes.
struct DTypeCode {
  int32_t onnx;
  axle_dtype_t dtype;
};
constexpr DTypeCode kCodes[] = {{1, AXLE_DTYPE_F32},  {2, AXLE_DTYPE_U8},   {3, AXLE_DTYPE_I8},
                                {4, AXLE_DTYPE_U16},  {5, AXLE_DTYPE_I16},  {6, AXLE_DTYPE_I32},
                                {7, AXLE_DTYPE_I64},  {9, AXLE_DTYPE_BOOL}, {10, AXLE_DTYPE_F16},
                                {11, AXLE_DTYPE_F64}, {12, AXLE_DTYPE_U32}, {13, AXLE_DTYPE_U64},
                                {16, AXLE_DTYPE_BF16}};

class Reader {
 public:
  Reader(const uint8_t* p, size_t n) : p_(p), end_(p + n) {}
  bool done() const { return p_ == end_; }
  bool Varint(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      const uint8_t b = *p_++;
      *v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  // A field key: a varint of at most 5 bytes (protobuf refuses longer ones).
  bool Key(uint64_t* v) {
    const uint8_t* start = p_;
    return Varint(v) && p_ - start <= 5;
  }
  bool Bytes(const uint8_t** data, size_t* n) {
    uint64_t len;
    if (!Varint(&len) || len > static_cast<uint64_t>(end_ - p_)) return false;
    *data = p_;
    *n = static_cast<size_t>(len);
    p_ += len;
    return true;
  }
  bool Fixed(size_t n, const uint8_t** data) {
    if (static_cast<size_t>(end_ - p_) < n) return false;
    *data = p_;
    p_ += n;
    return true;
  }
  // Skips a field of wire type `wire`.
  bool Skip(uint64_t wire) {
    uint64_t v;
    const uint8_t* d;
    size_t n;
    switch (wire) {
    case 0: return Varint(&v);
    case 1: return Fixed(8, &d);
    case 2: return Bytes(&d, &n);
    case 5: return Fixed(4, &d);
    default: return false;
    }
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutBytes(std::string* out, uint32_t field, const void* data, size_t n) {
  PutVarint(out, (field << 3) | 2);
  PutVarint(out, n);
  out->append(static_cast<const char*>(data), n);
}

}  // namespace

bool DecodeTensorProto(const uint8_t* data, size_t size, const std::string& what, TensorFile* out,
                       std::string* error) {
  *out = TensorFile();
  Reader r(data, size);
  int32_t onnx_type = 0;
  bool has_raw = false;
  std::vector<uint64_t> ints;  // int32_data / int64_data / uint64_data, in order
  std::vector<uint8_t> fixed;  // float_data / double_data bytes
  int value_field = 0;
  auto fail = [&](const std::string& why) {
    *error = what + ": " + why;
    return false;
  };
  // Wire-format damage: not a TensorProto at all.
  auto malformed = [&](const std::string& why) {
    return fail("not a valid ONNX TensorProto (" + why + ")");
  };
  while (!r.done()) {
    uint64_t key;
    if (!r.Key(&key)) return malformed("a field key is truncated or longer than 5 bytes");
    // Field numbers are 1 .. 2^29 - 1 (protobuf's rule; a key is a 32-bit varint).
    if (key > 0xFFFFFFFFu || (key >> 3) == 0)
      return malformed("field number " + std::to_string(key >> 3) + " is not in 1 .. 2^29 - 1");
    const uint32_t field = static_cast<uint32_t>(key >> 3);
    const uint64_t wire = key & 7;
    // A known field with another wire type is an unknown field to protobuf: skipped below.
    const uint8_t* d;
    size_t n;
    uint64_t v;
    if (field == 1 || field == 5 || field == 7 || field == 11) {  // varint numbers
      if (field != 1) {
        if (value_field && value_field != static_cast<int>(field))
          return fail("values in two typed fields");
        value_field = static_cast<int>(field);
      }
      auto push = [&](uint64_t x) {
        if (field == 1)
          out->shape.push_back(static_cast<int64_t>(x));
        else
          ints.push_back(x);
      };
      if (wire == 2) {  // packed
        if (!r.Bytes(&d, &n)) return malformed("truncated packed field");
        Reader p(d, n);
        while (!p.done()) {
          if (!p.Varint(&v)) return malformed("malformed packed varint");
          push(v);
        }
      } else if (wire == 0) {
        if (!r.Varint(&v)) return malformed("truncated varint");
        push(v);
      } else {
        return malformed("field " + std::to_string(field) + " has wire type " +
                         std::to_string(wire));
      }
    } else if (field == 2 && wire == 0) {
      if (!r.Varint(&v)) return malformed("truncated data_type");
      onnx_type = static_cast<int32_t>(v);
    } else if ((field == 4 || field == 10) && (wire == 2 || wire == (field == 4 ? 5u : 1u))) {
      if (value_field && value_field != static_cast<int>(field))
        return fail("values in two typed fields");
      value_field = static_cast<int>(field);
      const size_t elem = field == 4 ? 4 : 8;
      if (wire == 2) {
        if (!r.Bytes(&d, &n) || n % elem)
          return malformed("malformed packed float_data/double_data");
      } else {
        n = elem;
        if (!r.Fixed(elem, &d)) return malformed("truncated float_data/double_data");
      }
      fixed.insert(fixed.end(), d, d + n);
    } else if (field == 8 && wire == 2) {
      if (!r.Bytes(&d, &n)) return malformed("truncated name");
      out->name.assign(reinterpret_cast<const char*>(d), n);
    } else if (field == 9 && wire == 2) {
      if (!r.Bytes(&d, &n)) return malformed("truncated raw_data");
      out->bytes.assign(d, d + n);
      has_raw = true;
    } else if (field == 14 && wire == 0) {
      if (!r.Varint(&v)) return malformed("truncated data_location");
      if (v != 0) return fail("external data is not supported here; store the values inline");
    } else if ((field == 3 || field == 6 || field == 13) && wire == 2) {
      return fail(field == 6   ? "string tensors are not supported"
                  : field == 3 ? "segmented tensors are not supported"
                               : "external data is not supported here; store the values inline");
    } else if (!r.Skip(wire)) {
      return malformed("field " + std::to_string(field) + " is truncated or malformed");
    }
  }
  bool known = false;
  for (const DTypeCode& c : kCodes)
    if (c.onnx == onnx_type) {
      out->dtype = c.dtype;
      known = true;
    }
  if (!known) return fail("data type " + std::to_string(onnx_type) + " is not supported");
  // The compiler's reader's rule (compiler/onnx/tensor_proto.cc): every running product of the
  // dimensions within 64 GiB, so both readers accept the same files.
  const size_t elem = axle_dtype_size(out->dtype);
  uint64_t count = 1;
  for (size_t i = 0; i < out->shape.size(); ++i) {
    const int64_t d = out->shape[i];
    if (d < 0 || __builtin_mul_overflow(count, static_cast<uint64_t>(d), &count) ||
        count * elem > (uint64_t{64} << 30))
      return fail("dimension " + std::to_string(i) + " (" + std::to_string(d) +
                  ") is negative or makes the tensor larger than 64 GiB");
  }
  const uint64_t want = count * elem;
  std::string type = std::string(axle_dtype_name(out->dtype)) + "[";
  for (size_t i = 0; i < out->shape.size(); ++i)
    type += (i ? "," : "") + std::to_string(out->shape[i]);
  type += "]";
  if (has_raw) {
    if (out->bytes.size() != want)
      return fail("raw_data holds " + std::to_string(out->bytes.size()) + " bytes, but " + type +
                  " needs " + std::to_string(want));
    return true;
  }
  // The values present bound the allocation: a shape alone never makes this allocate.
  const uint64_t have = value_field == 4 || value_field == 10
                            ? fixed.size() / (value_field == 4 ? 4 : 8)
                            : ints.size();
  if (have != count)
    return fail("holds " + std::to_string(have) + " values, but " + type + " needs " +
                std::to_string(count));
  out->bytes.assign(static_cast<size_t>(want), 0);
  if (count == 0) return true;
  const bool fixed_ok = (value_field == 4 && out->dtype == AXLE_DTYPE_F32) ||
                        (value_field == 10 && out->dtype == AXLE_DTYPE_F64);
  if (value_field == 4 || value_field == 10) {
    if (!fixed_ok) return fail("float_data/double_data do not match the data type");
    std::memcpy(out->bytes.data(), fixed.data(), static_cast<size_t>(want));
    return true;
  }
  // int32_data holds every type of 32 bits or less (f16/bf16 as their bit patterns); int64_data
  // int64; uint64_data uint32 and uint64.
  const bool int_ok =
      (value_field == 5 && elem <= 4 && out->dtype != AXLE_DTYPE_U32 &&
       out->dtype != AXLE_DTYPE_F32) ||
      (value_field == 7 && out->dtype == AXLE_DTYPE_I64) ||
      (value_field == 11 && (out->dtype == AXLE_DTYPE_U32 || out->dtype == AXLE_DTYPE_U64));
  if (!int_ok) return fail("the typed value field does not match the data type");
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t x = ints[i];  // little-endian: the low `elem` bytes
    for (size_t b = 0; b < elem; ++b) out->bytes[i * elem + b] = static_cast<uint8_t>(x >> (8 * b));
  }
  return true;
}

std::string EncodeTensorProto(const TensorFile& t) {
  std::string out;
  if (!t.shape.empty()) {
    std::string dims;
    for (int64_t d : t.shape) PutVarint(&dims, static_cast<uint64_t>(d));
    PutBytes(&out, 1, dims.data(), dims.size());
  }
  int32_t code = 0;
  for (const DTypeCode& c : kCodes)
    if (c.dtype == t.dtype) code = c.onnx;
  PutVarint(&out, (2 << 3) | 0);
  PutVarint(&out, static_cast<uint64_t>(code));
  if (!t.name.empty()) PutBytes(&out, 8, t.name.data(), t.name.size());
  PutBytes(&out, 9, t.bytes.data(), t.bytes.size());
  return out;
}

bool ReadTensorFile(const std::string& path, TensorFile* out, std::string* error) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    *error = "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::vector<uint8_t> bytes;
  uint8_t buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  const bool read_error = std::ferror(f);
  std::fclose(f);
  if (read_error) {
    *error = "cannot read '" + path + "'";
    return false;
  }
  return DecodeTensorProto(bytes.data(), bytes.size(), path, out, error);
}

bool WriteTensorFile(const std::string& path, const TensorFile& tensor, std::string* error) {
  const std::string bytes = EncodeTensorProto(tensor);
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() || std::fclose(f) != 0) {
    *error = "cannot write '" + path + "': " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace axle::cli
