# lit configuration for the importer tests (tests/compiler/lit) and the pass tests
# (passes/test); each has a generated lit.site.cfg.py naming its source directory.
import os
import lit.formats

config.name = "axle"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".mlir", ".onnxtxt"]
config.test_source_root = config.axle_test_source_root
config.test_exec_root = os.path.join(config.axle_tools_dir, "..", "tests", "lit-out",
                                     os.path.basename(config.axle_test_source_root))
config.environment["PATH"] = os.pathsep.join(
    [config.axle_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
