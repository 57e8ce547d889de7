// The shared encoder machinery (model cache, safetensors, digests) is part of AnomalyText's surface.
@_exported import AnomalyEncoding
