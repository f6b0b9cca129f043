# Axle's entry points. Every target first runs scripts/install-deps.sh (idempotent, < 1 s when
# everything is present), so each works on a fresh machine.
#
#   make build      configure and build into build/ (CLI at build/bin/axle)
#   make test       build, run the sanitizer suite, then every test suite through ctest
#   make sanitize   runtime + kernels + their tests under ASan+UBSan, in build-sanitize/
#   make demo       build and run the main job
#   make runtime    the runtime-only configuration (no MLIR/LLVM/protobuf/ONNX), in build-runtime/

BUILD ?= build
SANITIZE_BUILD ?= build-sanitize
RUNTIME_BUILD ?= build-runtime
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build test sanitize demo runtime clean

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

demo: build
	@.venv/bin/python examples/mlp/demo.py --axle $(BUILD)/bin/axle \
	  --testmodel $(BUILD)/bin/axle-testmodel --workdir $(BUILD)/demo

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD) $(RUNTIME_BUILD)
