// The depthwise convolution of the image encoder (see vector_kernels.h), compiled twice from one
// body: for AVX2 + FMA, and for the baseline x86-64 (or any) target.
#include "vector_kernels.h"

// Channels per register block: 16 accumulators (two AVX registers) stay in registers across taps.
#define AK_BLOCK 16

#define AK_DEPTHWISE_BODY                                                                          \
    for (int oy = 0; oy < out_height; oy++) {                                                      \
        const int y0 = oy * stride - pad_top;                                                      \
        const int ky_lo = y0 < 0 ? -y0 : 0;                                                        \
        const int ky_hi = y0 + kernel > height ? height - y0 : kernel;                             \
        for (int ox = 0; ox < out_width; ox++) {                                                   \
            const int x0 = ox * stride - pad_left;                                                 \
            const int kx_lo = x0 < 0 ? -x0 : 0;                                                    \
            const int kx_hi = x0 + kernel > width ? width - x0 : kernel;                           \
            float *o = out + ((size_t)oy * out_width + ox) * channels;                             \
            int c0 = 0;                                                                            \
            for (; c0 + AK_BLOCK <= channels; c0 += AK_BLOCK) {                                    \
                float acc[AK_BLOCK];                                                               \
                for (int j = 0; j < AK_BLOCK; j++) acc[j] = bias[c0 + j];                          \
                for (int ky = ky_lo; ky < ky_hi; ky++) {                                           \
                    const float *row = in + ((size_t)(y0 + ky) * width + x0) * channels + c0;      \
                    const float *wrow = weights + (size_t)ky * kernel * channels + c0;             \
                    for (int kx = kx_lo; kx < kx_hi; kx++) {                                       \
                        const float *ip = row + (size_t)kx * channels;                             \
                        const float *wp = wrow + (size_t)kx * channels;                            \
                        for (int j = 0; j < AK_BLOCK; j++) acc[j] += ip[j] * wp[j];                \
                    }                                                                              \
                }                                                                                  \
                if (relu6)                                                                         \
                    for (int j = 0; j < AK_BLOCK; j++)                                             \
                        acc[j] = acc[j] < 0.0f ? 0.0f : (acc[j] > 6.0f ? 6.0f : acc[j]);           \
                for (int j = 0; j < AK_BLOCK; j++) o[c0 + j] = acc[j];                             \
            }                                                                                      \
            for (; c0 < channels; c0++) {                                                          \
                float acc = bias[c0];                                                              \
                for (int ky = ky_lo; ky < ky_hi; ky++)                                             \
                    for (int kx = kx_lo; kx < kx_hi; kx++)                                         \
                        acc += in[((size_t)(y0 + ky) * width + x0 + kx) * channels + c0]           \
                             * weights[((size_t)ky * kernel + kx) * channels + c0];                \
                if (relu6) acc = acc < 0.0f ? 0.0f : (acc > 6.0f ? 6.0f : acc);                    \
                o[c0] = acc;                                                                       \
            }                                                                                      \
        }                                                                                          \
    }

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

// The AVX2 + FMA body: the same sums as AK_DEPTHWISE_BODY (taps in the same order, one FMA per tap
// and lane), with the 16-channel accumulators and the ReLU6 clamp in two registers, then 8-channel
// blocks, then single channels.
__attribute__((target("avx2,fma")))
void ak_depthwise_conv_avx2(const float *in, int height, int width, int channels, const float *weights,
                            const float *bias, int kernel, int stride, int pad_top, int pad_left,
                            int out_height, int out_width, int relu6, float *out) {
    const __m256 zero = _mm256_setzero_ps(), six = _mm256_set1_ps(6.0f);
    for (int oy = 0; oy < out_height; oy++) {
        const int y0 = oy * stride - pad_top;
        const int ky_lo = y0 < 0 ? -y0 : 0;
        const int ky_hi = y0 + kernel > height ? height - y0 : kernel;
        for (int ox = 0; ox < out_width; ox++) {
            const int x0 = ox * stride - pad_left;
            const int kx_lo = x0 < 0 ? -x0 : 0;
            const int kx_hi = x0 + kernel > width ? width - x0 : kernel;
            float *o = out + ((size_t)oy * out_width + ox) * channels;
            int c0 = 0;
            for (; c0 + 16 <= channels; c0 += 16) {
                __m256 a0 = _mm256_loadu_ps(bias + c0), a1 = _mm256_loadu_ps(bias + c0 + 8);
                for (int ky = ky_lo; ky < ky_hi; ky++) {
                    const float *row = in + ((size_t)(y0 + ky) * width + x0) * channels + c0;
                    const float *wrow = weights + (size_t)ky * kernel * channels + c0;
                    for (int kx = kx_lo; kx < kx_hi; kx++) {
                        const float *ip = row + (size_t)kx * channels, *wp = wrow + (size_t)kx * channels;
                        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(ip), _mm256_loadu_ps(wp), a0);
                        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(ip + 8), _mm256_loadu_ps(wp + 8), a1);
                    }
                }
                if (relu6) {
                    a0 = _mm256_min_ps(_mm256_max_ps(a0, zero), six);
                    a1 = _mm256_min_ps(_mm256_max_ps(a1, zero), six);
                }
                _mm256_storeu_ps(o + c0, a0);
                _mm256_storeu_ps(o + c0 + 8, a1);
            }
            for (; c0 + 8 <= channels; c0 += 8) {
                __m256 a0 = _mm256_loadu_ps(bias + c0);
                for (int ky = ky_lo; ky < ky_hi; ky++) {
                    const float *row = in + ((size_t)(y0 + ky) * width + x0) * channels + c0;
                    const float *wrow = weights + (size_t)ky * kernel * channels + c0;
                    for (int kx = kx_lo; kx < kx_hi; kx++)
                        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(row + (size_t)kx * channels),
                                             _mm256_loadu_ps(wrow + (size_t)kx * channels), a0);
                }
                if (relu6) a0 = _mm256_min_ps(_mm256_max_ps(a0, zero), six);
                _mm256_storeu_ps(o + c0, a0);
            }
            for (; c0 < channels; c0++) {
                float acc = bias[c0];
                for (int ky = ky_lo; ky < ky_hi; ky++)
                    for (int kx = kx_lo; kx < kx_hi; kx++)
                        acc = __builtin_fmaf(in[((size_t)(y0 + ky) * width + x0 + kx) * channels + c0],
                                             weights[((size_t)ky * kernel + kx) * channels + c0], acc);
                if (relu6) acc = acc < 0.0f ? 0.0f : (acc > 6.0f ? 6.0f : acc);
                o[c0] = acc;
            }
        }
    }
}
#else
void ak_depthwise_conv_avx2(const float *in, int height, int width, int channels, const float *weights,
                            const float *bias, int kernel, int stride, int pad_top, int pad_left,
                            int out_height, int out_width, int relu6, float *out) {
    ak_depthwise_conv_portable(in, height, width, channels, weights, bias, kernel, stride, pad_top, pad_left,
                               out_height, out_width, relu6, out);
}
#endif

// No FMA contraction here, so the portable kernel's sums do not depend on the compiler's target.
#pragma clang fp contract(off)
void ak_depthwise_conv_portable(const float *in, int height, int width, int channels, const float *weights,
                                const float *bias, int kernel, int stride, int pad_top, int pad_left,
                                int out_height, int out_width, int relu6, float *out) {
    AK_DEPTHWISE_BODY
}
