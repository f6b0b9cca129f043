# LLVM/MLIR 19, protobuf and ONNX for the compiler side (compiler/ and passes/). Never included
# by a runtime-only build.
find_package(LLVM 19.1 REQUIRED CONFIG HINTS /usr/lib/llvm-19/lib/cmake/llvm)
find_package(MLIR REQUIRED CONFIG HINTS /usr/lib/llvm-19/lib/cmake/mlir)
find_package(Protobuf REQUIRED)
find_package(ONNX REQUIRED CONFIG)
message(STATUS "axle compiler: LLVM ${LLVM_PACKAGE_VERSION} (${LLVM_DIR}), ONNX ${ONNX_VERSION}")

list(APPEND CMAKE_MODULE_PATH ${LLVM_CMAKE_DIR} ${MLIR_CMAKE_DIR})
include(AddLLVM)  # before TableGen: it defines what mlir_tablegen needs
include(TableGen)
include(AddMLIR)
set(AXLE_MLIR_INCLUDES ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS})
set(AXLE_MLIR_LIBS MLIR LLVM)
include_directories(SYSTEM ${AXLE_MLIR_INCLUDES})  # also read by mlir-tblgen
