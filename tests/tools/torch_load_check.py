#!/usr/bin/env python3
"""Reads a file from `atn-node train --export-torch` the way torch.load does, without torch.

torch.load (zip format, weights_only=True, the default since PyTorch 2.6) opens the zip, reads
`<archive>/data.pkl` with an unpickler that admits only an allow-list of globals, and resolves
each persistent id ('storage', <type>Storage, key, location, numel) to the record
`<archive>/data/<key>`. This script applies the same rules with the subset of the allow-list a
float32 state dict needs, and fails naming the first thing torch.load would refuse.

Prints one JSON object: {name: {"shape": [...], "sum": s, "first": f, "last": l}}.
"""
import json
import pickle
import struct
import sys
import zipfile

# The globals torch.save writes for a dict of float32 CPU tensors; all are on torch's allow-list.
ALLOWED = {
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch", "FloatStorage"),
    ("collections", "OrderedDict"),
}


class FloatStorage:
    """Stands in for torch.FloatStorage: only its identity is used, as the storage type."""


def rebuild_tensor_v2(storage, offset, shape, stride, requires_grad, hooks, *metadata):
    if requires_grad:
        raise ValueError("exported tensor requires grad")
    # Row-major contiguous, as torch.save writes a contiguous tensor.
    expected, step = [], 1
    for size in reversed(shape):
        expected.insert(0, step)
        step *= size
    if list(stride) != expected and step > 1:
        raise ValueError(f"stride {stride} is not contiguous for shape {shape}")
    count = step
    if offset + count > len(storage):
        raise ValueError(f"tensor of {count} values at offset {offset} overruns a storage of {len(storage)}")
    return {"shape": list(shape), "values": storage[offset:offset + count]}


class TorchLikeUnpickler(pickle.Unpickler):
    def __init__(self, data, archive, zf):
        super().__init__(data)
        self.archive = archive
        self.zf = zf

    def find_class(self, module, name):
        if (module, name) not in ALLOWED:
            raise pickle.UnpicklingError(f"GLOBAL {module}.{name} is not on torch.load's weights_only allow-list")
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return rebuild_tensor_v2
        if (module, name) == ("torch", "FloatStorage"):
            return FloatStorage
        import collections
        return collections.OrderedDict

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"persistent id {pid!r} is not ('storage', type, key, location, numel)")
        _, storage_type, key, location, numel = pid
        if storage_type is not FloatStorage:
            raise pickle.UnpicklingError(f"storage type {storage_type!r} is not FloatStorage")
        if location != "cpu":
            raise pickle.UnpicklingError(f"storage location {location!r} is not cpu")
        raw = self.zf.read(f"{self.archive}/data/{key}")
        if len(raw) != 4 * numel:
            raise pickle.UnpicklingError(f"record data/{key} holds {len(raw)} bytes, expected {4 * numel}")
        return list(struct.unpack(f"<{numel}f", raw))


def main(path):
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        pkl = [n for n in names if n.endswith("/data.pkl")]
        if len(pkl) != 1:
            raise SystemExit(f"{path}: expected one <archive>/data.pkl, found {pkl}")
        archive = pkl[0][: -len("/data.pkl")]
        if f"{archive}/version" not in names and f"{archive}/.data/version" not in names:
            raise SystemExit(f"{path}: no {archive}/version record")
        if f"{archive}/byteorder" in names and zf.read(f"{archive}/byteorder") != b"little":
            raise SystemExit(f"{path}: byteorder is not little")
        import io
        state = TorchLikeUnpickler(io.BytesIO(zf.read(pkl[0])), archive, zf).load()
    if not isinstance(state, dict):
        raise SystemExit(f"{path}: the pickle holds a {type(state).__name__}, not a dict")
    out = {}
    for name, tensor in state.items():
        if not isinstance(name, str) or not isinstance(tensor, dict):
            raise SystemExit(f"{path}: entry {name!r} is not a named tensor")
        values = tensor["values"]
        out[name] = {"shape": tensor["shape"], "sum": sum(values), "first": values[0] if values else None,
                     "last": values[-1] if values else None}
    print(json.dumps(out))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: torch_load_check.py FILE")
    try:
        main(sys.argv[1])
    except (pickle.UnpicklingError, ValueError, KeyError, zipfile.BadZipFile) as e:
        raise SystemExit(f"{sys.argv[1]}: {e}")
