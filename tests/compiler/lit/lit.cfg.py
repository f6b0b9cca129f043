# lit configuration for the importer and pass tests.
import os
import lit.formats

config.name = "axle"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".mlir", ".onnxtxt"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.axle_tools_dir, "..", "tests", "lit-out")
config.environment["PATH"] = os.pathsep.join(
    [config.axle_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
