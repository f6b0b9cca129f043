# Axle's entry points. Every target first runs scripts/install-deps.sh (idempotent, < 1 s when
# everything is present), so each works on a fresh machine.
#
#   make build      configure and build into build/ (CLI at build/bin/axle)
#   make test       build, run the sanitizer suites and a short fuzzing pass, then every test
#                   suite through ctest
#   make sanitize   runtime + kernels + their tests under ASan+UBSan, in build-sanitize/
#   make sanitize-thread  the runtime's concurrency tests under ThreadSanitizer (clang), in
#                   build-tsan/
#   make fuzz       every libFuzzer target for FUZZ_SECONDS each (default 60; ASan+UBSan,
#                   clang), in build-fuzz/ (see scripts/fuzz.sh)
#   make demo       build and run the main job (the trained planner, the camera planner vs ORT)
#   make bench      the planner family vs ONNX Runtime, written to docs/benchmarks.md
#   make bench-models  every model class (planner, nn.Transformer, ResNet-18, MobileNetV2, ViT,
#                   BERT, Qwen2 prefill, DETR) vs ONNX Runtime and OpenVINO at 1 and 2 threads,
#                   written to docs/benchmarks.md (installs .venv-bench: torch, openvino; ~3 GB)
#   make runtime    the runtime-only configuration (no MLIR/LLVM/protobuf/ONNX), in build-runtime/
#   make arm64      the runtime-only AArch64 cross build (g++-aarch64-linux-gnu), in build-arm64/:
#                   libaxle_runtime.a, the kernel and runtime tests, bin/axle-run
#   make test-arm64 build-arm64's tests under qemu-aarch64, once as a Cortex-A78AE stand-in
#                   (neoverse-n1: NEON, dotprod) and once as A720AE / V3AE (max,sve128=on: + i8mm)

BUILD ?= build
SANITIZE_BUILD ?= build-sanitize
RUNTIME_BUILD ?= build-runtime
ARM64_BUILD ?= build-arm64
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
# How long `make test` fuzzes each target.
TEST_FUZZ_SECONDS ?= 30
CLANG_FLAGS = -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build test sanitize sanitize-thread fuzz fuzz-build demo bench bench-models \
	runtime arm64 test-arm64 clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

sanitize: deps
	@cmake -S . -B $(SANITIZE_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DAXLE_RUNTIME_ONLY=ON -DAXLE_SANITIZE=ON >/dev/null
	@cmake --build $(SANITIZE_BUILD) -j$(JOBS)
	@ctest --test-dir $(SANITIZE_BUILD) -j$(JOBS) --output-on-failure

# Several contexts of one model invoked concurrently, each with its own worker pool.
sanitize-thread: deps
	@cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CLANG_FLAGS) \
	  -DAXLE_RUNTIME_ONLY=ON -DAXLE_SANITIZE_THREAD=ON >/dev/null
	@cmake --build $(TSAN_BUILD) -j$(JOBS) --target threads_test
	@TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest --test-dir $(TSAN_BUILD) -R '^(Threads|ThreadPoolTest)\.' -j$(JOBS) --output-on-failure

# Everything instrumented for coverage (the compiler too), only the fuzz targets linked; -O1
# as fuzzing builds usually are (faster to build, stack traces that match the source).
fuzz-build: deps
	@cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CLANG_FLAGS) \
	  "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELEASE=-O1 -DNDEBUG" \
	  -DCMAKE_CXX_FLAGS=-gline-tables-only -DAXLE_FUZZ=ON -DAXLE_BUILD_TESTS=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j$(JOBS) --target axm_load_fuzzer onnx_compile_fuzzer \
	  tensor_proto_fuzzer

fuzz: build fuzz-build
	@bash scripts/fuzz.sh --seconds $(FUZZ_SECONDS) --fuzz-build $(FUZZ_BUILD) --build $(BUILD)

runtime: deps
	@cmake -S . -B $(RUNTIME_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DAXLE_RUNTIME_ONLY=ON \
	  -DAXLE_BUILD_TESTS=OFF >/dev/null
	@cmake --build $(RUNTIME_BUILD) -j$(JOBS)

arm64: deps
	@cmake -S . -B $(ARM64_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DAXLE_RUNTIME_ONLY=ON >/dev/null
	@cmake --build $(ARM64_BUILD) -j$(JOBS)

# Both emulated CPUs; a kernel whose extension the emulated CPU lacks is skipped, never run.
test-arm64: arm64
	@echo "== aarch64 tests under qemu -cpu neoverse-n1 (Cortex-A78AE stand-in)"
	@AXLE_QEMU_CPU=neoverse-n1 ctest --test-dir $(ARM64_BUILD) -j$(JOBS) --output-on-failure
	@echo "== aarch64 tests under qemu -cpu max,sve128=on (Cortex-A720AE / Neoverse-V3AE stand-in)"
	@AXLE_QEMU_CPU=max,sve128=on ctest --test-dir $(ARM64_BUILD) -j$(JOBS) --output-on-failure

# The main suite runs last so that its ctest summary is the last thing printed.
test: sanitize sanitize-thread build fuzz-build test-arm64
	@bash scripts/fuzz.sh --seconds $(TEST_FUZZ_SECONDS) --fuzz-build $(FUZZ_BUILD) --build $(BUILD)
	@ctest --test-dir $(BUILD) -j$(JOBS) --output-on-failure

# The main job: the trained planner on a held-out scene (its plan beside the expert's), then the
# camera planner (conv encoder) with its per-op profile and latency next to ONNX Runtime's.
demo: build
	@.venv/bin/python examples/planner/demo.py --axle $(BUILD)/bin/axle --workdir $(BUILD)/planner

# Axle vs ONNX Runtime on the planner family, 1 and 2 threads; rewrites docs/benchmarks.md.
bench: build
	@.venv/bin/python bench/planner_vs_ort.py --axle $(BUILD)/bin/axle --doc docs/benchmarks.md

# Exports the benchmark models with torch (once, into build/bench-models), then times them.
bench-models: build
	@bash scripts/install-deps.sh --bench
	@.venv-bench/bin/python bench/model_classes.py --axle $(BUILD)/bin/axle \
	  --models $(BUILD)/bench-models --doc docs/benchmarks.md --json $(BUILD)/bench-models.json

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD) $(RUNTIME_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD) $(ARM64_BUILD)
