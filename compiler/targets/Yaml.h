// Reads a YAML file into a type with llvm::yaml::MappingTraits (the targets/ files, the cost
// model's calibration): false with *error as "PATH:LINE:COLUMN: message" on a parse error or
// an unknown key.
#ifndef AXLE_COMPILER_TARGETS_YAML_H_
#define AXLE_COMPILER_TARGETS_YAML_H_

#include <string>

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/YAMLTraits.h"
#include "llvm/Support/raw_ostream.h"

namespace axle::targets {

template <typename T>
bool ReadYaml(const std::string& path, T* out, std::string* error) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer) {
    *error = path + ": " + buffer.getError().message();
    return false;
  }
  std::string diag;
  auto handler = [](const llvm::SMDiagnostic& d, void* ctx) {
    auto* s = static_cast<std::string*>(ctx);
    if (!s->empty()) return;
    llvm::raw_string_ostream os(*s);
    os << d.getLineNo() << ":" << d.getColumnNo() + 1 << ": " << d.getMessage();
  };
  llvm::yaml::Input in((*buffer)->getBuffer(), nullptr, handler, &diag);
  in >> *out;
  if (in.error()) {
    *error = path + ":" + (diag.empty() ? std::string(" malformed YAML") : diag);
    return false;
  }
  return true;
}

}  // namespace axle::targets

#endif  // AXLE_COMPILER_TARGETS_YAML_H_
