#!/usr/bin/env python3
"""Converts a legacy (pre-zip, torch < 1.6) PyTorch state-dict file to safetensors, with the
Python standard library only: no torch, no numpy.

The legacy format is five things back to back: a pickled magic number, a pickled protocol
version, a pickled dict of system facts (endianness, type sizes), the pickled state dict — whose
tensors refer to storages by persistent id and are rebuilt by torch._utils._rebuild_tensor_v2 —
and a pickled list of storage keys, each followed by its raw storage: an 8-byte little-endian
element count, then the elements.

Usage: torch_legacy_to_safetensors.py IN.pth OUT.safetensors
Every tensor keeps its name, dtype and shape; a strided tensor (some files hold channels-last
convolution weights) is copied into row-major order.
OUT is written next to itself and renamed, so a reader never sees half a file.
"""
import collections
import json
import os
import pickle
import struct
import sys

MAGIC = 0x1950A86A20F9469CFC6C
# storage class → (safetensors dtype, bytes per element)
STORAGES = {
    "FloatStorage": ("F32", 4), "DoubleStorage": ("F64", 8), "HalfStorage": ("F16", 2),
    "BFloat16Storage": ("BF16", 2), "LongStorage": ("I64", 8), "IntStorage": ("I32", 4),
    "ShortStorage": ("I16", 2), "CharStorage": ("I8", 1), "ByteStorage": ("U8", 1), "BoolStorage": ("BOOL", 1),
}


class Fail(Exception):
    pass


class StorageRef:
    def __init__(self, key, kind, count):
        self.key, self.kind, self.count = key, kind, count


class TensorRef:
    def __init__(self, storage, offset, shape, stride):
        self.storage, self.offset, self.shape, self.stride = storage, offset, tuple(shape), tuple(stride)


def rebuild_tensor(storage, offset, shape, stride, *rest):
    return TensorRef(storage, offset, shape, stride)


def rebuild_parameter(tensor, *rest):
    return tensor


class StorageType:
    def __init__(self, name):
        self.name = name


class StateDictUnpickler(pickle.Unpickler):
    """Builds only what a state dict holds; any other global is refused (a pickle can run code)."""
    ALLOWED = {("collections", "OrderedDict"): collections.OrderedDict,
               ("torch._utils", "_rebuild_tensor_v2"): rebuild_tensor,
               ("torch._utils", "_rebuild_tensor"): rebuild_tensor,
               ("torch._utils", "_rebuild_parameter"): rebuild_parameter}

    def __init__(self, f):
        super().__init__(f)
        self.storages = {}

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return self.ALLOWED[(module, name)]
        if module == "torch" and name in STORAGES:
            return StorageType(name)
        raise Fail(f"the pickle asks for {module}.{name}, which a state dict does not hold: refusing to load it")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise Fail(f"unexpected persistent id {pid!r}")
        kind, key, _location, count = pid[1], str(pid[2]), pid[3], pid[4]
        if not isinstance(kind, StorageType):
            raise Fail(f"storage {key}: unknown storage type {kind!r}")
        if len(pid) > 5 and pid[5] is not None:
            raise Fail(f"storage {key}: storage views are not supported")
        ref = self.storages.setdefault(key, StorageRef(key, kind.name, count))
        return ref


def read_legacy(path):
    with open(path, "rb") as f:
        if f.read(2)[:1] == b"PK":
            raise Fail("this is a zip-format PyTorch file (torch >= 1.6), not the legacy format")
        f.seek(0)
        magic = pickle.load(f)
        if magic != MAGIC:
            raise Fail(f"not a legacy PyTorch file (magic {magic!r})")
        protocol = pickle.load(f)
        if protocol != 1001:
            raise Fail(f"unsupported legacy protocol version {protocol}")
        info = pickle.load(f)
        if not info.get("little_endian", False):
            raise Fail("big-endian files are not supported")
        unpickler = StateDictUnpickler(f)
        state = unpickler.load()
        keys = pickle.load(f)
        data = {}
        for key in keys:
            key = str(key)
            ref = unpickler.storages.get(key)
            if ref is None:
                raise Fail(f"storage {key} is listed but no tensor uses it")
            (count,) = struct.unpack("<q", f.read(8))
            size = STORAGES[ref.kind][1]
            raw = f.read(count * size)
            if len(raw) != count * size:
                raise Fail(f"storage {key}: truncated ({len(raw)} of {count * size} bytes)")
            data[key] = raw
    return state, unpickler.storages, data


def contiguous_strides(shape):
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= n
    return tuple(reversed(strides))


def gather(raw, size, t, name):
    """The elements of a strided tensor in row-major order. - Complexity: O(elements)."""
    last = max(t.offset + sum((n - 1) * s for n, s in zip(t.shape, t.stride)), t.offset)
    if (last + 1) * size > len(raw):
        raise Fail(f"{name}: its strides reach past its storage")
    offsets = [t.offset]
    for n, stride in zip(t.shape, t.stride):
        offsets = [o + i * stride for o in offsets for i in range(n)]
    out = bytearray(len(offsets) * size)
    for k, o in enumerate(offsets):
        out[k * size:(k + 1) * size] = raw[o * size:(o + 1) * size]
    return bytes(out)


def convert(src, dst):
    state, storages, data = read_legacy(src)
    if not isinstance(state, dict):
        raise Fail("the file holds no state dict")
    header, chunks, offset = {}, [], 0
    for name, t in state.items():
        if not isinstance(t, TensorRef):
            raise Fail(f"{name}: not a tensor")
        count = 1
        for n in t.shape:
            count *= n
        dtype, size = STORAGES[t.storage.kind]
        raw = data.get(t.storage.key)
        if raw is None:
            raise Fail(f"{name}: its storage {t.storage.key} is missing from the file")
        if count <= 1 or t.stride == contiguous_strides(t.shape):
            piece = raw[t.offset * size:(t.offset + count) * size]
        else:
            piece = gather(raw, size, t, name)
        if len(piece) != count * size:
            raise Fail(f"{name}: its storage is too short")
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(piece)]}
        chunks.append(piece)
        offset += len(piece)
    header["__metadata__"] = {"format": "pt", "source": os.path.basename(src)}
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)  # keeps the data section 8-byte aligned
    tmp = f"{dst}.tmp.{os.getpid()}"
    with open(tmp, "wb") as out:
        out.write(struct.pack("<Q", len(encoded)))
        out.write(encoded)
        for piece in chunks:
            out.write(piece)
    os.replace(tmp, dst)
    return len(state)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-3])
    try:
        n = convert(sys.argv[1], sys.argv[2])
    except (Fail, pickle.UnpicklingError, EOFError, struct.error) as e:
        sys.exit(f"{sys.argv[1]}: {e}")
    print(f"{sys.argv[1]}: {n} tensors written to {sys.argv[2]}", file=sys.stderr)
