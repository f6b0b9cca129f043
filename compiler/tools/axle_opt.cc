// axle-opt: mlir-opt with the axle dialect and Axle's passes registered, for lit tests.
#include "compiler/dialect/AxleDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "passes/Passes.h"

int main(int argc, char** argv) {
  mlir::registerTransformsPasses();
  axle::passes::registerAxlePasses();
  mlir::DialectRegistry registry;
  registry.insert<axle::ir::AxleDialect, mlir::func::FuncDialect>();
  return mlir::asMainReturnCode(mlir::MlirOptMain(argc, argv, "Axle optimizer driver\n", registry));
}
