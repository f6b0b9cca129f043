#include "compiler/targets/Target.h"

#include <dirent.h>

#include <algorithm>
#include <cstdlib>

#include "compiler/targets/Yaml.h"
#include "llvm/Support/YAMLTraits.h"

#ifndef AXLE_TARGETS_SOURCE_DIR
#define AXLE_TARGETS_SOURCE_DIR "targets"
#endif

namespace axle::targets {
namespace {

// The file's layout: `kernels` is a nested mapping.
struct KernelsSection {
  std::string family, tile;
  double launch_us = 5;
};
struct File {
  Target t;
  KernelsSection kernels;
};

}  // namespace
}  // namespace axle::targets

LLVM_YAML_IS_SEQUENCE_VECTOR(axle::targets::Engine)
LLVM_YAML_IS_SEQUENCE_VECTOR(axle::targets::UnsupportedOp)

// std::map<std::string, T> as a YAML mapping keyed by name (LLVM's own traits).
LLVM_YAML_IS_STRING_MAP(axle::targets::Figure)

namespace llvm::yaml {

template <>
struct MappingTraits<axle::targets::Figure> {
  static void mapping(IO& io, axle::targets::Figure& f) {
    io.mapOptional("value", f.value);
    io.mapOptional("text", f.text);
    io.mapOptional("unit", f.unit);
    io.mapOptional("basis", f.basis);
    io.mapRequired("source", f.source);
    io.mapRequired("verified", f.verified);
    io.mapOptional("note", f.note);
  }
};


template <>
struct MappingTraits<axle::targets::Engine> {
  static void mapping(IO& io, axle::targets::Engine& e) {
    io.mapRequired("name", e.name);
    io.mapRequired("kind", e.kind);
    io.mapRequired("precisions", e.precisions);
    io.mapRequired("source", e.source);
    io.mapRequired("verified", e.verified);
  }
};

template <>
struct MappingTraits<axle::targets::UnsupportedOp> {
  static void mapping(IO& io, axle::targets::UnsupportedOp& u) {
    io.mapRequired("op", u.op);
    io.mapRequired("why", u.why);
    io.mapRequired("source", u.source);
    io.mapRequired("verified", u.verified);
  }
};

template <>
struct MappingTraits<axle::targets::Cpu> {
  static void mapping(IO& io, axle::targets::Cpu& c) {
    io.mapRequired("arch", c.arch);
    io.mapRequired("core", c.core);
    io.mapOptional("cores", c.cores);
    io.mapOptional("ghz", c.ghz);
    io.mapRequired("features", c.features);
    io.mapRequired("source", c.source);
    io.mapRequired("verified", c.verified);
  }
};

template <>
struct MappingTraits<axle::targets::KernelsSection> {
  static void mapping(IO& io, axle::targets::KernelsSection& k) {
    io.mapRequired("family", k.family);
    io.mapRequired("tile", k.tile);
    io.mapRequired("launch_us", k.launch_us);
  }
};

template <>
struct MappingTraits<axle::targets::File> {
  static void mapping(IO& io, axle::targets::File& f) {
    io.mapRequired("name", f.t.name);
    io.mapRequired("display", f.t.display);
    io.mapRequired("vendor", f.t.vendor);
    io.mapRequired("kind", f.t.kind);
    io.mapOptional("measured", f.t.measured);
    io.mapRequired("kernels", f.kernels);
    io.mapRequired("engines", f.t.engines);
    io.mapRequired("figures", f.t.figures);
    io.mapOptional("unsupported_ops", f.t.unsupported_ops);
    io.mapOptional("cpu", f.t.cpu);
  }
};

}  // namespace llvm::yaml


namespace axle::targets {

std::optional<double> Target::Value(const std::string& key) const {
  auto it = figures.find(key);
  if (it == figures.end()) return std::nullopt;
  return it->second.value;
}

std::optional<double> Target::Dense(const std::string& key) const {
  auto it = figures.find(key);
  if (it == figures.end() || !it->second.value) return std::nullopt;
  return *it->second.value * (it->second.basis == "sparse" ? 0.5 : 1.0);
}

bool Target::Runs(const std::string& precision) const {
  return !engines.empty() && std::find(engines[0].precisions.begin(), engines[0].precisions.end(),
                                       precision) != engines[0].precisions.end();
}

std::string Target::Unsupported(const std::string& op) const {
  for (const UnsupportedOp& u : unsupported_ops)
    if (u.op == op) return u.why;
  return "";
}

bool Cpu::Has(const std::string& feature) const {
  return std::find(features.begin(), features.end(), feature) != features.end();
}

std::string Cpu::KernelVariant(bool int8) const {
  if (arch == "aarch64") {
    if (!Has("asimd")) return "reference";
    if (int8 && Has("asimddp") && Has("i8mm")) return "neon+dotprod+i8mm";
    if (int8 && Has("asimddp")) return "neon+dotprod";
    return "neon";
  }
  if (arch == "x86_64") {
    if (Has("amx_int8")) return "avx512f+amx";
    if (Has("avx512_vnni")) return "avx512f+vnni";
    if (Has("avx512f")) return "avx512f";
    if (Has("avx2")) return "avx2+fma";
  }
  return "reference";
}

std::string Cpu::PlanFeatures(bool int8) const {
  std::string out;
  auto add = [&](const char* f) {
    if (Has(f)) out += (out.empty() ? "" : " ") + std::string(f);
  };
  // x86 plans need nothing: every x86 variant (and the reference kernels) reads their layouts.
  if (arch == "aarch64") {
    add("asimd");
    if (int8) {
      add("asimddp");
      if (Has("asimddp")) add("i8mm");  // the i8mm layout, which only the USMMLA kernel reads
    }
  }
  return out;
}

std::string DefaultDir() {
  if (const char* d = std::getenv("AXLE_TARGETS_DIR"); d && *d) return d;
  return AXLE_TARGETS_SOURCE_DIR;
}

namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool Check(const Target& t, const std::string& path, std::string* error) {
  auto fail = [&](const std::string& why) {
    *error = path + ": " + why;
    return false;
  };
  static const char* kKinds[] = {"gpu", "npu", "dsp", "cpu"};
  if (std::none_of(std::begin(kKinds), std::end(kKinds), [&](const char* k) { return t.kind == k; }))
    return fail("kind '" + t.kind + "' is not gpu, npu, dsp or cpu");
  if (t.engines.empty()) return fail("no engines");
  static const char* kPrecisions[] = {"f32", "fp16", "bf16", "fp8", "fp4", "int16", "int8", "int4"};
  for (const Engine& e : t.engines)
    for (const std::string& p : e.precisions)
      if (std::none_of(std::begin(kPrecisions), std::end(kPrecisions),
                       [&](const char* k) { return p == k; }))
        return fail("engine '" + e.name + "': unknown precision '" + p + "'");
  for (const auto& [key, f] : t.figures) {
    if (!f.value && f.text.empty()) return fail("figure '" + key + "' has neither value nor text");
    if (f.verified && f.source.empty())
      return fail("figure '" + key + "' is verified but names no source");
    if (f.value && !(*f.value >= 0)) return fail("figure '" + key + "' is negative");
    if (EndsWith(key, "_tops") || EndsWith(key, "_tflops")) {
      if (f.basis != "dense" && f.basis != "sparse" && f.basis != "unstated")
        return fail("throughput figure '" + key + "' needs basis: dense, sparse or unstated");
    }
  }
  if (t.cpu) {
    static const char* kArm[] = {"asimd", "fphp", "asimdhp", "asimddp",
                                 "i8mm",  "bf16", "sve",     "sve2"};
    static const char* kX86[] = {"avx2",        "fma",         "avx512f",  "avx512bw",
                                 "avx512_vnni", "avx512_bf16", "amx_tile", "amx_int8"};
    const bool arm = t.cpu->arch == "aarch64";
    if (!arm && t.cpu->arch != "x86_64")
      return fail("cpu.arch '" + t.cpu->arch + "' is not aarch64 or x86_64");
    for (const std::string& f : t.cpu->features) {
      const bool known =
          arm ? std::any_of(std::begin(kArm), std::end(kArm), [&](const char* k) { return f == k; })
              : std::any_of(std::begin(kX86), std::end(kX86),
                            [&](const char* k) { return f == k; });
      if (!known)
        return fail("cpu.features: '" + f + "' is not a " + t.cpu->arch +
                    " feature Axle's kernels know");
    }
    if (t.cpu->verified && t.cpu->source.empty())
      return fail("cpu is verified but names no source");
  }
  for (const char* key : {"dram_gbs", "memory_budget_mib"})
    if (!t.Value(key)) return fail(std::string("figure '") + key + "' is missing");
  if (!t.Value("int8_tops") && !t.Value("f32_tflops") && !t.Value("fp16_tflops"))
    return fail("no throughput figure (int8_tops, fp16_tflops or f32_tflops)");
  return true;
}

}  // namespace

bool LoadTarget(const std::string& path, Target* out, std::string* error) {
  File file;
  if (!ReadYaml(path, &file, error)) return false;
  file.t.kernel_family = file.kernels.family;
  file.t.tile = file.kernels.tile;
  file.t.launch_us = file.kernels.launch_us;
  file.t.path = path;
  const size_t slash = path.rfind('/');
  const std::string base = path.substr(slash == std::string::npos ? 0 : slash + 1);
  if (base != file.t.name + ".yaml") {
    *error = path + ": name '" + file.t.name + "' does not match the file name";
    return false;
  }
  if (!Check(file.t, path, error)) return false;
  *out = std::move(file.t);
  return true;
}

bool LoadAll(const std::string& dir, std::vector<Target>* out, std::string* error) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (!d) {
    *error = "cannot read the targets folder '" + dir + "' (set AXLE_TARGETS_DIR or --targets-dir)";
    return false;
  }
  while (dirent* e = readdir(d))
    if (EndsWith(e->d_name, ".yaml")) names.push_back(e->d_name);
  closedir(d);
  std::sort(names.begin(), names.end());
  out->clear();
  for (const std::string& n : names) {
    Target t;
    if (!LoadTarget(dir + "/" + n, &t, error)) return false;
    out->push_back(std::move(t));
  }
  if (out->empty()) {
    *error = "no target files (*.yaml) in '" + dir + "'";
    return false;
  }
  return true;
}

bool LoadByName(const std::string& dir, const std::string& name, Target* out,
                std::string* error) {
  const std::string path = dir + "/" + name + ".yaml";
  if (FILE* f = std::fopen(path.c_str(), "r")) {
    std::fclose(f);
    return LoadTarget(path, out, error);
  }
  std::vector<Target> all;
  std::string known;
  if (LoadAll(dir, &all, error))
    for (const Target& t : all) known += (known.empty() ? "" : ", ") + t.name;
  *error = "unknown target '" + name + "'" + (known.empty() ? "" : " (known targets: " + known + ")");
  return false;
}

}  // namespace axle::targets
