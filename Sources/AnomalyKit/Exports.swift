/// `Matrix`, `SeededGenerator` and `NumericError` (AnomalyMath's whole public surface; its kernels
/// are `package`) are part of AnomalyKit's API, so `import AnomalyKit` alone is enough to fit and
/// score.
@_exported import AnomalyMath
