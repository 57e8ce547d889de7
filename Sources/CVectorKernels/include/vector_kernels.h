// Element-wise float kernels of the BERT forward pass compiled for AVX2 + FMA, picked at run time
// when the CPU has both (Swift cannot compile one function for a wider target than the package).
// The same formulas as BertKernels.swift (its GELU polynomial, its exp); each call handles any n,
// the tail through masked loads and stores.
#ifndef ANOMALYKIT_VECTOR_KERNELS_H
#define ANOMALYKIT_VECTOR_KERNELS_H

#include <stddef.h>

/// 1 when the CPU runs AVX2 and FMA (and the kernels below may be called), else 0.
int ak_vector_kernels_available(void);

/// row[i] = GELU(row[i] + bias[i]) for i < n, the exact (erf) GELU. O(n).
void ak_gelu_bias_avx2(float *row, const float *bias, size_t n);

/// row[i] = e^(row[i] − max) in place; returns 1 / Σ e^(row[i] − max). O(n), two passes.
float ak_softmax_unnormalized_avx2(float *row, size_t n);

#endif
