#!/usr/bin/env python3
"""Fails when an #include points against the dependency order of ARCHITECTURE.md ("Layers"), or
breaks one of the portability rules below.

Each source file belongs to the component of its folder (tests/unit/<folder> to <folder>'s); a file may
include its own component and the components below it, nothing else. Portability (builds against
PyTorch 2.x and g++ 13): torch headers only in model/ and its tests; no file there includes spdlog
(PyTorch 2.x ships an fmt that Debian's spdlog cannot use); a file that includes CAF includes
<cstdint> first (CAF 0.17.6's headers use std::uint64_t without including it).
Usage: check_layers.py ROOT, or check_layers.py --self-test (shows on a small tree that an upward
include and a broken portability rule are caught)."""
import os, re, sys, tempfile

# component -> the components it may include directly (its own is always allowed); the closure of
# this table is what a file may reach.
LAYERS = {
    "data": [],
    "data/sample": ["data"],
    "model": ["data"],
    "messages": ["model"],
    "runtime/util": ["messages"],
    "runtime/storage": ["runtime/util"],
    "runtime/ingest": ["runtime/util"],
    "runtime/protocol": ["runtime/util"],
    "runtime/transport": ["runtime/util"],
    "runtime/training": ["runtime/util"],
    "runtime/adversary": ["runtime/util"],
    "runtime/ledger": ["runtime/util"],
    "runtime/config": ["runtime/protocol", "runtime/transport", "runtime/adversary"],
    "actors": ["runtime/storage", "runtime/ingest", "runtime/protocol", "runtime/transport",
               "runtime/training", "runtime/ledger"],
    "runtime/node": ["actors", "runtime/config", "data/sample"],
    "runtime/replay": ["actors"],
    "runtime/cli": ["runtime/node", "runtime/replay"],
}
# Folders that are part of a component without being one (benchmarks are commands).
ALIASES = {"runtime/cli/bench": "runtime/cli"}
SOURCE_SUFFIXES = (".cpp", ".hpp", ".h")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
SYSTEM_INCLUDE = re.compile(r'^\s*#\s*include\s+<([^>]+)>', re.M)
TORCH_FOLDERS = ("model", "tests/unit/model")


def closure():
    reach = {}
    def visit(c):
        if c not in reach:
            reach[c] = {c}
            for d in LAYERS[c]:
                reach[c] |= visit(d)
        return reach[c]
    for c in LAYERS:
        visit(c)
    return reach


def component_of(path):
    """The component of a repository-relative path, or None for files outside the layers."""
    folder = os.path.dirname(path)
    if folder.startswith("tests/unit/"):
        folder = folder[len("tests/unit/"):]
    folder = ALIASES.get(folder, folder)
    return folder if folder in LAYERS else None


def violations(root):
    reach = closure()
    found, unplaced = [], []
    for top in ["data", "model", "messages", "runtime", "actors", "tests/unit"]:
        for base, _, files in os.walk(os.path.join(root, top)):
            for name in files:
                if not name.endswith(SOURCE_SUFFIXES):
                    continue
                rel = os.path.relpath(os.path.join(base, name), root)
                own = component_of(rel)
                if own is None:
                    if not rel.startswith("tests/unit/"):
                        unplaced.append(rel)  # a source folder missing from LAYERS
                    continue
                text = open(os.path.join(base, name), encoding="utf-8", errors="replace").read()
                found += portability(rel, text)
                for lineno, target in ((text.count("\n", 0, m.start()) + 1, m.group(1))
                                       for m in INCLUDE.finditer(text)):
                    if target.startswith("tests/unit/support/"):
                        continue
                    other = component_of(target)
                    if other is None:
                        found.append(f"{rel}:{lineno}: includes \"{target}\", which is in no layer")
                    elif other not in reach[own]:
                        found.append(f"{rel}:{lineno}: {own} includes \"{target}\" ({other}), "
                                     f"which {own} may not depend on")
    return found + [f"{p}: in a folder that is no layer of check_layers.py" for p in unplaced]


def portability(rel, text):
    found = []
    system = [m.group(1) for m in SYSTEM_INCLUDE.finditer(text)]
    torch = [h for h in system if h.startswith(("torch/", "ATen/", "c10/", "caffe2/"))]
    in_model = os.path.dirname(rel) in TORCH_FOLDERS
    if torch and not in_model:
        found.append(f"{rel}: includes <{torch[0]}>; torch headers belong in model/")
    if in_model and any(h.startswith("spdlog/") for h in system):
        found.append(f"{rel}: includes spdlog in a torch translation unit (PyTorch 2.x's fmt clashes)")
    caf = [i for i, h in enumerate(system) if h.startswith("caf/")]
    if caf and "cstdint" not in system[:caf[0]]:
        found.append(f"{rel}: includes <{system[caf[0]]}> without <cstdint> before it")
    return found


def self_test():
    with tempfile.TemporaryDirectory() as root:
        def write(path, text):
            os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
            open(os.path.join(root, path), "w").write(text)
        write("model/a.hpp", '#include "data/b.hpp"\n')
        write("data/b.hpp", "\n")
        write("actors/c.cpp", '#include "runtime/protocol/d.hpp"\n#include "data/b.hpp"\n')
        write("runtime/protocol/d.hpp", "\n")
        if violations(root):
            print("self-test: downward includes were reported:", violations(root))
            return 1
        write("runtime/protocol/d.hpp", '#include "actors/c.hpp"\n')       # upward
        write("runtime/storage/e.hpp", '#include "runtime/protocol/d.hpp"\n')  # sideways
        write("actors/f.hpp", "#include <caf/fwd.hpp>\n#include <cstdint>\n")  # cstdint too late
        write("model/g.cpp", "#include <torch/torch.h>\n#include <spdlog/spdlog.h>\n")  # fmt clash
        write("runtime/util/h.cpp", "#include <torch/torch.h>\n")  # torch outside model/
        found = violations(root)
        if len(found) != 5:
            print("self-test: expected 5 findings (upward, sideways, cstdint, spdlog, torch), got:", found)
            return 1
        print("self-test: every bad include was caught:\n  " + "\n  ".join(found))
        return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) != 2:
        print(__doc__)
        return 2
    found = violations(argv[1])
    for line in found:
        print(line)
    print(f"{len(found)} finding(s) against the dependency order or the portability rules")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
