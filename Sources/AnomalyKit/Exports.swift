/// `Matrix` and the numeric core are part of AnomalyKit's public API.
@_exported import AnomalyMath
