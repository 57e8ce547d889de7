#!/usr/bin/env python3
"""Fits the polynomial R of the exact-GELU kernel in Sources/AnomalyText/Encoder/BertKernels.swift:

    erfc(a) = (1 − u)·exp(−a² + R(u)),   u = a / (2 + a)  (so 1 − u = 1/(1 + a/2)),   a ∈ [0, 9],

and prints R's coefficients (degree 1 up; R has no constant term, so the form is exact at a = 0
and float rounding stays relative near x = 0), the fit's error, and the worst error of
Φ(x) = 0.5·erfc(−x/√2) evaluated in float32 the way the kernel does.

Least squares on Chebyshev points in u, reweighted toward the worst errors (Lawson's iteration
toward the minimax fit). Needs numpy and scipy.
Usage: python3 scripts/fit-gelu-erfc.py [degree]   (default 10)
"""
import sys
import numpy as np
from scipy.special import erfcx, ndtr

f = np.float32
degree = int(sys.argv[1]) if len(sys.argv) > 1 else 10
n = 4000
u_hi = 9 / 11
u = u_hi / 2 + u_hi / 2 * np.cos(np.pi * (np.arange(n) + 0.5) / n)
a = 2 * u / (1 - u)
target = np.log(erfcx(a) / (1 - u))
V = np.vander(u, degree + 1, increasing=True)[:, 1:]
w = np.ones(n)
for _ in range(30):
    c, *_ = np.linalg.lstsq(V * np.sqrt(w)[:, None], target * np.sqrt(w), rcond=None)
    err = np.abs(V @ c - target)
    w = w * err / np.sum(w * err) * n
c32 = c.astype(f)

x = np.linspace(-14, 14, 2_000_001).astype(f)
a = np.minimum(np.abs(x) * f(0.70710678118654752), f(9))
uu = a / (f(2) + a)
r = np.full_like(uu, c32[-1])
for k in range(degree - 2, -1, -1):
    r = r * uu + c32[k]
r = r * uu
half = f(0.5) * (f(1) - uu) * np.exp(r - a * a)
phi = np.where(x < 0, half, f(1) - half).astype(np.float64)
exact = ndtr(x.astype(np.float64))
print("coefficients (u¹ first):", ", ".join(repr(float(v)) for v in c32))
print("max |R − target| (float64):", float(np.max(err)))
print("max |Φ − Φ_exact| (float32 evaluation):", float(np.max(np.abs(phi - exact))))
