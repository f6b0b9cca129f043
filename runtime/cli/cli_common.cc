// Argument scanning and error reporting shared by `axle` and `axle-run`.
#include "runtime/cli/cli_common.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

#include "runtime/cli/tensor_file.h"

namespace axle::cli {

namespace {

// Length of the valid UTF-8 sequence at s[0, n) (RFC 3629: no overlongs, no surrogates, at most
// U+10FFFF), or 0 when it is not one.
size_t Utf8Length(const unsigned char* s, size_t n) {
  const unsigned char c = s[0];
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (len > n) return 0;
  if (s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < len; ++i)
    if (s[i] < 0x80 || s[i] > 0xBF) return 0;
  return len;
}

bool IsUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t i = 0; i < text.size();) {
    const size_t len = Utf8Length(s + i, text.size() - i);
    if (!len) return false;
    i += len;
  }
  return true;
}

const char* g_program = "axle";

std::string OneLine(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return Printable(s);
}

}  // namespace

std::string Printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = s + text.size();
  while (s < end) {
    const size_t len = Utf8Length(s, static_cast<size_t>(end - s));
    if (len && !(len == 1 && (*s < 0x20 || *s == 0x7F))) {
      out.append(reinterpret_cast<const char*>(s), len);
      s += len;
      continue;
    }
    char esc[5];
    std::snprintf(esc, sizeof esc, "\\x%02x", *s);
    out += esc;
    ++s;
  }
  return out;
}

std::string JsonText(std::string_view text) {
  return IsUtf8(text) ? std::string(text) : Printable(text);
}

namespace {
FILE* g_error_stream = nullptr;
}  // namespace

const char* ProgramName() { return g_program; }
void SetProgramName(const char* name) { g_program = name; }

FILE* ErrorStream() { return g_error_stream ? g_error_stream : stderr; }
void SetErrorStream(FILE* stream) { g_error_stream = stream; }

int Fail(const std::string& message) {
  std::fprintf(ErrorStream(), "error: %s\n", OneLine(message).c_str());
  return kExitFailure;
}

int UsageError(const std::string& command, const std::string& message) {
  std::fprintf(ErrorStream(), "error: %s (see '%s %s --help')\n", OneLine(message).c_str(),
               g_program, command.c_str());
  return kExitUsage;
}

Args::Args(std::string command, int argc, char** argv) : command_(std::move(command)) {
  for (int i = 0; i < argc; ++i) argv_.emplace_back(argv[i]);
}

bool Args::Parse() {
  const auto known = [](const std::vector<std::string>& list, const std::string& name) {
    return std::find(list.begin(), list.end(), name) != list.end();
  };
  bool only_positionals = false;
  for (size_t i = 0; i < argv_.size(); ++i) {
    const std::string& a = argv_[i];
    if (only_positionals || a.size() < 2 || a[0] != '-') {
      positionals_.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positionals = true;
      continue;
    }
    if (a == "-h" || a == "--help") {
      help_ = true;
      continue;
    }
    const size_t eq = a.find('=');
    const std::string name = a.substr(0, eq);
    if (known(options_, name)) {
      if (eq != std::string::npos) {
        values_.emplace_back(name, a.substr(eq + 1));
      } else if (i + 1 < argv_.size()) {
        values_.emplace_back(name, argv_[++i]);
      } else {
        usage_status_ = UsageError(command_, "option '" + name + "' needs a value");
        return false;
      }
    } else if (known(flags_, name) && eq == std::string::npos) {
      values_.emplace_back(name, "");
    } else {
      usage_status_ = UsageError(command_, "unknown option '" + a + "'");
      return false;
    }
  }
  return true;
}

bool Args::ParseModelCommand(const char* help, std::string* model, int* exit_code) {
  if (!Parse()) {
    *exit_code = usage_status_;
    return false;
  }
  if (help_) {
    // The help texts say "usage: axle ..."; axle-run prints its own name.
    const std::string text = help;
    const std::string axle = "usage: axle ";
    if (text.rfind(axle, 0) == 0)
      std::printf("usage: %s %s", g_program, text.c_str() + axle.size());
    else
      std::fputs(help, stdout);
    *exit_code = kExitOk;
    return false;
  }
  if (positionals_.size() != 1) {
    *exit_code = UsageError(command_, "expected exactly one model file");
    return false;
  }
  *model = positionals_[0];
  return true;
}

bool Args::Has(const std::string& name) const {
  for (const auto& [k, v] : values_)
    if (k == name) return true;
  return false;
}

std::string Args::Get(const std::string& name, const std::string& fallback) const {
  std::string value = fallback;
  for (const auto& [k, v] : values_)
    if (k == name) value = v;
  return value;
}

std::vector<std::string> Args::GetAll(const std::string& name) const {
  std::vector<std::string> all;
  for (const auto& [k, v] : values_)
    if (k == name) all.push_back(v);
  return all;
}

int LoadModel(const std::string& path, LoadedModel* model) {
  if (LoadedModel::FromFile(path.c_str(), model) != AXLE_OK) return Fail(axle_last_error());
  return kExitOk;
}

std::string TensorShapeString(const axle_tensor_info_t& info) {
  std::string s = std::string(axle_dtype_name(info.dtype)) + "[";
  for (int i = 0; i < info.rank; ++i) s += (i ? "," : "") + std::to_string(info.dims[i]);
  return s + "]";
}

std::string Grouped(uint64_t v) {
  std::string digits = std::to_string(v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

const char* StorageName(axle_storage_t storage) {
  switch (storage) {
  case AXLE_STORAGE_CONSTANT: return "constant";
  case AXLE_STORAGE_ARENA: return "arena";
  case AXLE_STORAGE_INPUT: return "input";
  case AXLE_STORAGE_OUTPUT: return "output";
  }
  return "?";
}

int LoadInputs(const LoadedModel& model, axle_context_t* context, const std::string& dir) {
  const axle_model_info_t info = model.info();
  for (uint32_t i = 0; i < info.num_inputs; ++i) {
    const std::string file = dir + "/input_" + std::to_string(i) + ".pb";
    TensorFile tensor;
    std::string error;
    if (!ReadTensorFile(file, &tensor, &error)) return Fail(error);
    const axle_tensor_info_t want = model.tensor(model.input_tensor(i));
    const std::vector<int64_t> want_shape(want.dims, want.dims + want.rank);
    if (tensor.dtype != want.dtype || tensor.shape != want_shape) {
      axle_tensor_info_t got{};
      got.dtype = tensor.dtype;
      got.rank = static_cast<int32_t>(std::min<size_t>(tensor.shape.size(), AXLE_MAX_RANK));
      for (int d = 0; d < got.rank; ++d) got.dims[d] = tensor.shape[d];
      return Fail(file + ": tensor is " + TensorShapeString(got) + ", but model input " +
                  std::to_string(i) + " '" + want.name + "' is " + TensorShapeString(want));
    }
    void* data = nullptr;
    size_t size = 0;
    if (axle_context_input_buffer(context, i, &data, &size) != AXLE_OK)
      return Fail(axle_last_error());
    if (size != tensor.bytes.size())
      return Fail("internal: input " + std::to_string(i) + " buffer size mismatch");
    if (size) std::memcpy(data, tensor.bytes.data(), size);
  }
  return kExitOk;
}

// Fills every input with reproducible random values of its dtype.
int RandomInputs(const LoadedModel& model, axle_context_t* context) {
  std::mt19937 rng(1234);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (uint32_t i = 0; i < model.info().num_inputs; ++i) {
    void* data = nullptr;
    size_t size = 0;
    if (axle_context_input_buffer(context, i, &data, &size) != AXLE_OK)
      return Fail(axle_last_error());
    const axle_tensor_info_t t = model.tensor(model.input_tensor(i));
    const size_t elem = axle_dtype_size(t.dtype);
    auto* bytes = static_cast<uint8_t*>(data);
    for (size_t k = 0; k < size / elem; ++k) {
      if (t.dtype == AXLE_DTYPE_F32) {
        const float f = uniform(rng);
        std::memcpy(bytes + k * elem, &f, sizeof f);
      } else if (t.dtype == AXLE_DTYPE_F64) {
        const double f = uniform(rng);
        std::memcpy(bytes + k * elem, &f, sizeof f);
      } else {  // bool, integers, half types: 0 or 1 in the lowest byte
        std::memset(bytes + k * elem, 0, elem);
        bytes[k * elem] = static_cast<uint8_t>(rng() & 1);
      }
    }
  }
  return kExitOk;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int ParseCount(const Args& args, const char* name, int fallback, int min, int* out) {
  const std::string text = args.Get(name, std::to_string(fallback));
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end || v < min || v > 1000000)
    return UsageError(args.command(), std::string(name) + " takes a count >= " +
                                          std::to_string(min) + ", got '" + text + "'");
  *out = static_cast<int>(v);
  return kExitOk;
}

int ParseThreads(const Args& args, int* threads) {
  const std::string text = args.Get("--threads", "1");
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end || v < 1 || v > 256)
    return UsageError(args.command(), "--threads takes a count from 1 to 256, got '" + text + "'");
  *threads = static_cast<int>(v);
  return kExitOk;
}

void DeclareExecutionOptions(Args* args) {
  for (const char* o : {"--threads", "--cpus", "--spin-us"}) args->Option(o);
}

int ParseExecutionOptions(const Args& args, ExecutionOptions* out) {
  if (const int rc = ParseThreads(args, &out->threads)) return rc;
  out->context = {};
  out->context.num_threads = out->threads;
  out->cpus.clear();
  if (args.Has("--cpus")) {
    // "2,3", "0-3", "0-1,4": CPU numbers as the kernel counts them (see `lscpu`).
    const std::string text = args.Get("--cpus");
    const auto bad = [&](const std::string& why) {
      return UsageError(args.command(), "--cpus '" + text + "': " + why);
    };
    if (text.empty()) return bad("the list is empty; give CPU numbers such as 2,3 or 0-3");
    size_t pos = 0;
    while (pos <= text.size()) {
      const size_t comma = std::min(text.find(',', pos), text.size());
      const std::string item = text.substr(pos, comma - pos);
      char* end = nullptr;
      const long lo = std::strtol(item.c_str(), &end, 10);
      long hi = lo;
      if (*end == '-' && std::isdigit(static_cast<unsigned char>(end[1])))
        hi = std::strtol(end + 1, &end, 10);
      if (item.empty() || *end || !std::isdigit(static_cast<unsigned char>(item[0])) || lo < 0 ||
          hi < lo || hi >= 4096)
        return bad("'" + item + "' is not a CPU number or a range A-B of them");
      for (long c = lo; c <= hi; ++c) out->cpus.push_back(static_cast<int32_t>(c));
      pos = comma + 1;
    }
    out->context.cpus = out->cpus.data();
    out->context.num_cpus = static_cast<uint32_t>(out->cpus.size());
  }
  if (args.Has("--spin-us")) {
    const std::string text = args.Get("--spin-us");
    char* end = nullptr;
    const long spin = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end || spin < 0 || spin > AXLE_MAX_SPIN_MICROSECONDS)
      return UsageError(args.command(), "--spin-us takes microseconds from 0 (never spin) to " +
                                            std::to_string(AXLE_MAX_SPIN_MICROSECONDS) +
                                            " at most, got '" + text + "'");
    out->context.spin_microseconds = spin == 0 ? AXLE_SPIN_NEVER : static_cast<int32_t>(spin);
  }
  return kExitOk;
}

void JsonWriter::Separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
    out_ += '\n';
    out_.append(2 * first_.size(), ' ');
  }
}

JsonWriter& JsonWriter::Begin(char bracket) {
  Separate();
  out_ += bracket;
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::End(char bracket) {
  const bool empty = first_.empty() || first_.back();
  if (!first_.empty()) first_.pop_back();
  if (!empty) {
    out_ += '\n';
    out_.append(2 * first_.size(), ' ');
  }
  out_ += bracket == '{' ? '}' : bracket == '[' ? ']' : bracket;
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  String(key);
  out_ += ": ";
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
  Separate();
  const std::string text = JsonText(value);
  out_ += '"';
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out_ += '\\';
      out_ += static_cast<char>(c);
    } else if (c < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out_ += esc;
    } else {
      out_ += static_cast<char>(c);
    }
  }
  out_ += '"';
  return *this;
}

JsonWriter& JsonWriter::Number(double value) {
  Separate();
  if (!std::isfinite(value)) {
    out_ += "null";
    return *this;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  out_ += buf;
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t value) {
  Separate();
  out_ += std::to_string(value);
  return *this;
}

}  // namespace axle::cli
