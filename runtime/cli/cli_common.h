// Shared plumbing of the command-line tools `axle` (compiler/cli/) and the runtime-only
// `axle-run` (runtime/cli/): argument scanning, the one-line error convention, model loading,
// inputs in the ONNX test-data layout, and the `run` and `bench` subcommands, which both tools
// have. Links only the runtime (no LLVM, protobuf or ONNX), so that it cross-compiles.
//
// Exit codes: 0 success, 1 failure (one line `error: ...` on stderr), 2 usage error.
#ifndef AXLE_RUNTIME_CLI_CLI_COMMON_H_
#define AXLE_RUNTIME_CLI_CLI_COMMON_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "axle/axle.hpp"

namespace axle::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// Text from a model or plan file (names, producer strings) as it may be printed to a terminal:
// valid UTF-8 with every control character and every byte that starts no valid UTF-8 sequence
// written as \xNN. Printable text passes unchanged.
std::string Printable(std::string_view text);
// The same text for a JSON string: unchanged when it is valid UTF-8 (the JSON writer escapes
// control characters), else Printable(text). JSON output always parses.
std::string JsonText(std::string_view text);

// Where `error: ...` lines go: stderr, unless a harness (the compile fuzzer) redirects them to
// check them; a sanitizer's report still goes to the real stderr.
FILE* ErrorStream();
void SetErrorStream(FILE* stream);

// Prints `error: <message>` on one line (newlines in the message are folded) and returns 1.
int Fail(const std::string& message);
// Prints `error: <message> (see 'axle <command> --help')` and returns 2.
int UsageError(const std::string& command, const std::string& message);

// Scans a subcommand's arguments: positionals, `--flag`, `--opt VALUE` and `--opt=VALUE`.
class Args {
 public:
  Args(std::string command, int argc, char** argv);

  // Declares an option taking a value / a boolean flag. Call before Parse().
  void Option(const std::string& name) { options_.push_back(name); }
  void Flag(const std::string& name) { flags_.push_back(name); }
  // Returns false (after printing the usage error) on an unknown option or a missing value.
  bool Parse();
  // The common preamble of a subcommand that takes one model file: parses, prints `help` for
  // --help, checks for exactly one positional. Returns false when the caller should exit with
  // *exit_code (0 after help, 2 on a usage error).
  bool ParseModelCommand(const char* help, std::string* model, int* exit_code);

  bool help() const { return help_; }
  bool Has(const std::string& name) const;
  // The value of an option, or `fallback` when absent (the last occurrence wins).
  std::string Get(const std::string& name, const std::string& fallback = "") const;
  // Every value of a repeatable option, in order.
  std::vector<std::string> GetAll(const std::string& name) const;
  const std::vector<std::string>& positionals() const { return positionals_; }
  int usage_status() const { return usage_status_; }
  const std::string& command() const { return command_; }

 private:
  std::string command_;
  std::vector<std::string> argv_;
  std::vector<std::string> options_, flags_;
  std::vector<std::pair<std::string, std::string>> values_;
  std::vector<std::string> positionals_;
  bool help_ = false;
  int usage_status_ = kExitOk;
};

// Loads a model file, returning 0 or the failure exit code (after printing the error).
int LoadModel(const std::string& path, LoadedModel* model);

// "f32[1,16]" of a model tensor.
std::string TensorShapeString(const axle_tensor_info_t& info);
const char* StorageName(axle_storage_t storage);
// 1234567 -> "1,234,567".
std::string Grouped(uint64_t v);

// Copies input_<i>.pb from `dir` (ONNX test-data layout) into the context's input buffers,
// checking dtype and shape against the model. 0 or the failure exit code (after the error).
int LoadInputs(const LoadedModel& model, axle_context_t* context, const std::string& dir);
// Fills every input of `context` with reproducible random values of its dtype (floats uniform
// in [-1, 1], bools and integers 0 or 1, fixed seed). 0 or the failure exit code.
int RandomInputs(const LoadedModel& model, axle_context_t* context);
double Median(std::vector<double> v);
// Parses a count option `name` (default `fallback`, at least `min`), or the usage exit code.
int ParseCount(const Args& args, const char* name, int fallback, int min, int* out);
// Parses --threads (default 1): a count in [1, 256], or the usage exit code.
int ParseThreads(const Args& args, int* threads);

// --threads, --cpus and --spin-us, as `run` and `bench` take them (declare with
// DeclareExecutionOptions, read after Parse with ParseExecutionOptions, which returns 0 or the
// usage exit code). The CPU list lives in `cpus`, which must outlive the context's creation.
// (A macro so that each command's help string literal can splice it in.)
#define AXLE_CLI_EXECUTION_OPTIONS_HELP                                                            \
  "  --threads N     threads per inference, the caller included (default 1)\n"                     \
  "  --cpus LIST     pin the caller and the workers to these CPUs, e.g. 2,3 or 0-3: the\n"         \
  "                  caller to the first, worker i to entry i (cycling); each CPU must be\n"       \
  "                  available to this process\n"                                                  \
  "  --spin-us N     how long a waiting thread spins (then yields as long again) before\n"         \
  "                  it sleeps, in microseconds; 0 = never spin (default 1000)\n"
struct ExecutionOptions {
  int threads = 1;
  std::vector<int32_t> cpus;
  axle_context_options_t context{};
};
void DeclareExecutionOptions(Args* args);
int ParseExecutionOptions(const Args& args, ExecutionOptions* out);

// A small JSON writer for --json output (objects, arrays, strings escaped, text that is not
// valid UTF-8 passed through Printable).
class JsonWriter {
 public:
  JsonWriter& Begin(char bracket);  // '{' or '['
  JsonWriter& End(char bracket);
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Number(double value);  // non-finite values as null
  JsonWriter& Int(int64_t value);
  const std::string& text() const { return out_; }

 private:
  void Separate();
  std::string out_;
  std::vector<bool> first_;  // per open bracket: no element written yet
  bool after_key_ = false;
};

// The program name in usage errors ("axle" or "axle-run"); set by main().
const char* ProgramName();
void SetProgramName(const char* name);

int BenchMain(int argc, char** argv);
int RunMain(int argc, char** argv);

}  // namespace axle::cli

#endif  // AXLE_RUNTIME_CLI_CLI_COMMON_H_
