#!/usr/bin/env bash
# Runs every libFuzzer target (tests/fuzz, built by `make fuzz-build` into build-fuzz/) for a
# set time each, from seed corpora made of the test models:
#   axm_load      the hand-built test models (axle-testmodel mlp, zoo) and ONNX node tests
#                 compiled to .axm by `axle compile`
#   onnx_compile  the ONNX node-test models (libonnx-testdata) that the conformance suite
#                 expects to compile, and those it expects to refuse
#   tensor_proto  the test-data TensorProto files of those node tests and of the planner fixtures
# The corpus each run grows is kept in build-fuzz/corpus/NAME for the next run. A crash, leak,
# timeout or failed check stops with exit 1 and names the input saved under
# build-fuzz/findings/: fix the bug, then add the input to tests/fuzz/regressions/NAME/ so that
# every build replays it.
#
#   scripts/fuzz.sh [--seconds N] [--fuzz-build DIR] [--build DIR] [TARGET...]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds=60
fuzz_build="$root/build-fuzz"
build="$root/build"
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --fuzz-build) fuzz_build="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "error: unknown option '$1' (see scripts/fuzz.sh --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(axm_load onnx_compile tensor_proto)

node_tests=/usr/include/onnx/backend/test/data/node
axle="$build/bin/axle"
testmodel="$build/bin/axle-testmodel"
for f in "$axle" "$testmodel"; do
  [ -x "$f" ] || { echo "error: $f is missing: run 'make build' first" >&2; exit 1; }
done
[ -d "$node_tests" ] || { echo "error: $node_tests is missing (libonnx-testdata)" >&2; exit 1; }

seeds="$fuzz_build/seeds"
mkdir -p "$seeds" "$fuzz_build/corpus" "$fuzz_build/findings"

# Seeds are made once per build folder (delete build-fuzz/seeds to remake them).
if [ ! -f "$seeds/.done" ]; then
  echo "fuzz: making seed corpora in $seeds"
  rm -rf "$seeds"/{axm_load,onnx_compile,tensor_proto}
  mkdir -p "$seeds"/{axm_load,onnx_compile,tensor_proto}
  for m in mlp zoo; do "$testmodel" "$m" -o "$seeds/axm_load/$m.axm"; done
  n=0
  while read -r t; do
    [ -f "$node_tests/$t/model.onnx" ] || continue
    cp "$node_tests/$t/model.onnx" "$seeds/onnx_compile/$t.onnx"
    for pb in "$node_tests/$t"/test_data_set_0/*.pb; do
      [ -f "$pb" ] && cp "$pb" "$seeds/tensor_proto/${t}_$(basename "$pb")"
    done
    # Every eighth model that compiles also seeds the plan loader (small plans: fast runs).
    if [ $((n % 8)) -eq 0 ]; then
      "$axle" compile "$node_tests/$t/model.onnx" -o "$seeds/axm_load/$t.axm" -q \
        2>/dev/null || rm -f "$seeds/axm_load/$t.axm"
    fi
    n=$((n + 1))
  done < <(grep -v '^#' "$root/tests/onnx_conformance/expected_pass.txt" | sed '/^$/d')
  # Models the importer must refuse with a message: every sixth of the rest.
  n=0
  for d in "$node_tests"/*/; do
    t="$(basename "$d")"
    [ -f "$seeds/onnx_compile/$t.onnx" ] && continue
    n=$((n + 1))
    [ $((n % 6)) -eq 0 ] && [ -f "$d/model.onnx" ] && cp "$d/model.onnx" "$seeds/onnx_compile/$t.onnx"
  done
  for pb in "$root"/tests/planner/fixtures/*/test_data_set_0/*.pb; do
    cp "$pb" "$seeds/tensor_proto/$(basename "$(dirname "$(dirname "$pb")")")_$(basename "$pb")"
  done
  touch "$seeds/.done"
fi

status=0
summary=()
for t in "${targets[@]}"; do
  exe="$fuzz_build/fuzz/${t}_fuzzer"
  [ -x "$exe" ] || { echo "error: $exe is missing: run 'make fuzz-build' first" >&2; exit 1; }
  corpus="$fuzz_build/corpus/$t"
  log="$fuzz_build/findings/$t.log"
  mkdir -p "$corpus"
  echo "fuzz: $t for ${seconds} s ($(ls "$seeds/$t" | wc -l) seeds, $(ls "$corpus" | wc -l) corpus inputs, log $log)"
  dirs=("$corpus" "$seeds/$t")
  [ -d "$root/tests/fuzz/regressions/$t" ] && dirs+=("$root/tests/fuzz/regressions/$t")
  rc=0
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
    "$exe" "${dirs[@]}" \
    -max_total_time="$seconds" -timeout=25 -rss_limit_mb=4096 \
    -artifact_prefix="$fuzz_build/findings/$t-" -print_final_stats=1 >"$log" 2>&1 || rc=$?
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 || true)"
  cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)"
  if [ "$rc" -ne 0 ]; then
    status=1
    summary+=("$t: FAILED after ${runs:-?} executions (exit $rc)")
    echo "fuzz: $t FAILED (exit $rc); the end of its log:" >&2
    tail -40 "$log" >&2
    { ls -t "$fuzz_build/findings/$t-"* 2>/dev/null | grep -v '\.log$' | head -3 | sed 's/^/  input: /' >&2; } || true
  else
    summary+=("$t: ${runs:-?} executions in ${seconds} s, coverage ${cov:-?} edges, corpus $(ls "$corpus" | wc -l) inputs, 0 crashes")
  fi
done
echo "fuzz summary:"
printf '  %s\n' "${summary[@]}"
exit $status
