// The shared encoder machinery (model cache, safetensors, digests) is part of AnomalyImage's surface.
@_exported import AnomalyEncoding
