// axle-testmodel: writes one of the hand-built test models as an .axm file.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "tests/models/test_models.h"

namespace {

int Usage(FILE* out) {
  std::fprintf(
      out, "usage: axle-testmodel MODEL -o OUT.axm\n"
           "Writes a hand-built model (no compiler involved) for tests and the demo.\n"
           "MODELS:\n"
           "  mlp   x f32[1,16] -> 2-layer perceptron with constant weights -> probs f32[1,10]\n"
           "  wide  x f32[128,256] -> matmul, relu, softmax, matmul -> y f32[128,64]\n"
           "  zoo   every reference op on model inputs, outputs named by what they compute\n");
  return out == stdout ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model, out;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") return Usage(stdout);
    if (a == "-o" && i + 1 < argc) {
      out = argv[++i];
    } else if (model.empty() && a[0] != '-') {
      model = a;
    } else {
      std::fprintf(stderr, "error: unexpected argument '%s'\n", a.c_str());
      return Usage(stderr);
    }
  }
  if (model.empty() || out.empty()) return Usage(stderr);
  axle::ModelBuilder builder;
  if (model == "mlp") {
    builder = axle::testing::BuildMlp();
  } else if (model == "wide") {
    builder = axle::testing::BuildWide();
  } else if (model == "zoo") {
    builder = axle::testing::BuildZoo();
  } else {
    std::fprintf(stderr, "error: unknown model '%s' (known: mlp, wide, zoo)\n", model.c_str());
    return 2;
  }
  if (!axle::WriteFile(out, builder.Serialize())) {
    std::fprintf(stderr, "error: cannot write '%s': %s\n", out.c_str(), std::strerror(errno));
    return 1;
  }
  return 0;
}
