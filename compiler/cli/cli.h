// The `axle` command-line tool's subcommands. The shared plumbing, and `run` and `bench`, are
// runtime-only and live in runtime/cli/ (the cross-compiled `axle-run` has them too).
#ifndef AXLE_COMPILER_CLI_CLI_H_
#define AXLE_COMPILER_CLI_CLI_H_

#include "runtime/cli/cli_common.h"

namespace axle::cli {

int InspectMain(int argc, char** argv);
int CompileMain(int argc, char** argv);
int EvalMain(int argc, char** argv);
int DebugQuantMain(int argc, char** argv);
int TargetsMain(int argc, char** argv);
// `axle bench --chips`: the chip-comparison benchmark (chips.cc).
int ChipsMain(int argc, char** argv);

}  // namespace axle::cli

#endif  // AXLE_COMPILER_CLI_CLI_H_
