# The small family of CMake helpers every Axle directory uses.
#
#   axle_cc_library(NAME name SRCS ... [DEPS ...] [RUNTIME])
#     RUNTIME: compiled as runtime code (-fno-exceptions -fno-rtti), an OBJECT library whose
#     objects are folded into libaxle_runtime.a.
#   axle_cc_test(NAME name SRCS ... [DEPS ...] [LABELS ...])
#     A GoogleTest binary registered with ctest, one ctest entry per test case.
#   axle_cc_binary(NAME name SRCS ... [DEPS ...])

set(AXLE_RUNTIME_FLAGS -fno-exceptions -fno-rtti)

function(axle_cc_library)
  cmake_parse_arguments(A "RUNTIME" "NAME" "SRCS;DEPS" ${ARGN})
  if(A_RUNTIME)
    add_library(${A_NAME} OBJECT ${A_SRCS})
    target_compile_options(${A_NAME} PRIVATE ${AXLE_RUNTIME_FLAGS})
  else()
    add_library(${A_NAME} STATIC ${A_SRCS})
  endif()
  target_include_directories(${A_NAME} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/generated)
  if(A_DEPS)
    target_link_libraries(${A_NAME} PUBLIC ${A_DEPS})
  endif()
endfunction()

function(axle_cc_test)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_include_directories(${A_NAME} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/generated)
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} GTest::gtest GTest::gtest_main)
  set_target_properties(${A_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  gtest_discover_tests(${A_NAME} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${A_LABELS}")
endfunction()

function(axle_cc_binary)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_include_directories(${A_NAME} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/generated)
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS})
endfunction()

# axle_cc_benchmark(NAME name SRCS ... [DEPS ...]): a Google Benchmark binary in build/bench/.
function(axle_cc_benchmark)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_include_directories(${A_NAME} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/generated)
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} benchmark::benchmark)
  set_target_properties(${A_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endfunction()
