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

/// A depthwise convolution of one NHWC image (channels innermost) with a bias and an optional
/// ReLU6, for the image encoder: out[oy][ox][ch] = bias[ch] + Σ over taps (ky, kx) inside the
/// image of in[oy·stride + ky − pad_top][ox·stride + kx − pad_left][ch] · weights[ky][kx][ch]
/// (taps outside are zero padding), then clamped to [0, 6] when relu6 is 1.
/// `_avx2` needs ak_vector_kernels_available(); `_portable` runs anywhere (same sums, without FMA
/// contraction, so the two agree to float rounding). O(out_h · out_w · k² · channels).
void ak_depthwise_conv_avx2(const float *in, int height, int width, int channels, const float *weights,
                            const float *bias, int kernel, int stride, int pad_top, int pad_left,
                            int out_height, int out_width, int relu6, float *out);
void ak_depthwise_conv_portable(const float *in, int height, int width, int channels, const float *weights,
                                const float *bias, int kernel, int stride, int pad_top, int pad_left,
                                int out_height, int out_width, int relu6, float *out);

#endif
