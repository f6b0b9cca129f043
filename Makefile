# Axle's entry points. Every target first runs scripts/install-deps.sh (idempotent, < 1 s when
# everything is present), so each works on a fresh machine.
#
#   make build      configure and build into build/ (CLI at build/bin/axle)
#   make test       build, run the sanitizer suite, then every test suite through ctest
#   make sanitize   runtime + kernels + their tests under ASan+UBSan, in build-sanitize/
#   make demo       build and run the main job (the small planner, compiled and run vs ORT)
#   make bench      the planner family vs ONNX Runtime, written to docs/benchmarks.md
#   make runtime    the runtime-only configuration (no MLIR/LLVM/protobuf/ONNX), in build-runtime/

BUILD ?= build
SANITIZE_BUILD ?= build-sanitize
RUNTIME_BUILD ?= build-runtime
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build test sanitize demo bench runtime clean

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

runtime: deps
	@cmake -S . -B $(RUNTIME_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DAXLE_RUNTIME_ONLY=ON \
	  -DAXLE_BUILD_TESTS=OFF >/dev/null
	@cmake --build $(RUNTIME_BUILD) -j$(JOBS)

# The main suite runs last so that its ctest summary is the last thing printed.
test: sanitize build
	@ctest --test-dir $(BUILD) -j$(JOBS) --output-on-failure

# The main job: generate the `small` planner, compile it for host, run it on a sample scene,
# print the best trajectory, the per-op profile and the latency next to ONNX Runtime's.
demo: build
	@.venv/bin/python examples/planner/demo.py --axle $(BUILD)/bin/axle --workdir $(BUILD)/planner

# Axle vs ONNX Runtime on the planner family, 1 and 2 threads; rewrites docs/benchmarks.md.
bench: build
	@.venv/bin/python bench/planner_vs_ort.py --axle $(BUILD)/bin/axle --doc docs/benchmarks.md

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD) $(RUNTIME_BUILD)
