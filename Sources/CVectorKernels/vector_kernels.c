// AVX2 + FMA versions of BertKernels.gelu and BertKernels.softmaxUnnormalized (see the header).
#include "vector_kernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#include <math.h>

#define AK_TARGET __attribute__((target("avx2,fma")))

int ak_vector_kernels_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/// Lanes i < count set (all ones), the rest clear: the mask of a tail of count < 8 elements.
AK_TARGET static inline __m256i tail_mask(size_t count) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)count), lanes);
}

/// e^x: x = k·ln 2 + r, a degree-7 Taylor polynomial of e^r, 2^k from the exponent bits; x is
/// clamped to [−87, 88] (NaN stays NaN: max/min return their second operand on NaN).
AK_TARGET static inline __m256 exp8(__m256 x) {
    x = _mm256_min_ps(_mm256_set1_ps(88.0f), _mm256_max_ps(_mm256_set1_ps(-87.0f), x));
    const __m256 shifter = _mm256_set1_ps(12582912.0f);  // 1.5·2²³
    const __m256 shifted = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504f), shifter);
    const __m256 k = _mm256_sub_ps(shifted, shifter);
    __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693145751953125f), x);
    r = _mm256_fnmadd_ps(k, _mm256_set1_ps(1.4286068202862268e-6f), r);
    __m256 p = _mm256_set1_ps(1.0f / 5040);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    // The shifted value's bits are 0x4B40_0000 + k; (k + 127) << 23 is 2^k.
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_castps_si256(shifted), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
}

/// x·Φ(x) with Φ from erfc(a) = (1 − u)·e^(−a² + R(u)), u = a/(2 + a), a = min(|x|/√2, 9):
/// BertKernels.gelu's polynomial R.
AK_TARGET static inline __m256 gelu8(__m256 x) {
    const __m256 magnitude = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
    const __m256 a = _mm256_min_ps(_mm256_set1_ps(9.0f), _mm256_mul_ps(magnitude, _mm256_set1_ps(0.7071067811865475f)));
    const __m256 u = _mm256_div_ps(a, _mm256_add_ps(_mm256_set1_ps(2.0f), a));
    __m256 r = _mm256_set1_ps(-0.14838725328445435f);
    r = _mm256_fmadd_ps(r, u, _mm256_set1_ps(0.47123482823371887f));
    r = _mm256_fmadd_ps(r, u, _mm256_set1_ps(-0.46384397149085999f));
    r = _mm256_fmadd_ps(r, u, _mm256_set1_ps(0.134810209274292f));
    r = _mm256_fmadd_ps(r, u, _mm256_set1_ps(-0.11541330069303513f));
    r = _mm256_fmadd_ps(r, u, _mm256_set1_ps(0.06072389334440231f));
    r = _mm256_fmadd_ps(r, u, _mm256_set1_ps(0.19407102465629578f));
    r = _mm256_fmadd_ps(r, u, _mm256_set1_ps(0.16119222342967987f));
    r = _mm256_fmadd_ps(r, u, _mm256_set1_ps(-0.3032167851924896f));
    r = _mm256_fmadd_ps(r, u, _mm256_set1_ps(-1.2567588090896606f));
    r = _mm256_mul_ps(r, u);
    const __m256 e = exp8(_mm256_fnmadd_ps(a, a, r));
    const __m256 half_erfc = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), _mm256_sub_ps(_mm256_set1_ps(1.0f), u)), e);
    const __m256 negative = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
    const __m256 phi = _mm256_blendv_ps(_mm256_sub_ps(_mm256_set1_ps(1.0f), half_erfc), half_erfc, negative);
    return _mm256_mul_ps(x, phi);
}

AK_TARGET void ak_gelu_bias_avx2(float *row, const float *bias, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(row + i, gelu8(_mm256_add_ps(_mm256_loadu_ps(row + i), _mm256_loadu_ps(bias + i))));
    if (i < n) {
        const __m256i mask = tail_mask(n - i);
        const __m256 v = _mm256_add_ps(_mm256_maskload_ps(row + i, mask), _mm256_maskload_ps(bias + i, mask));
        _mm256_maskstore_ps(row + i, mask, gelu8(v));
    }
}

AK_TARGET static inline float horizontal_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

AK_TARGET static inline float horizontal_max(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

AK_TARGET float ak_softmax_unnormalized_avx2(float *row, size_t n) {
    __m256 vmax = _mm256_set1_ps(-INFINITY);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(row + i));
    __m256i mask = _mm256_setzero_si256();
    if (i < n) {
        mask = tail_mask(n - i);
        const __m256 tail = _mm256_blendv_ps(_mm256_set1_ps(-INFINITY), _mm256_maskload_ps(row + i, mask),
                                             _mm256_castsi256_ps(mask));
        vmax = _mm256_max_ps(vmax, tail);
    }
    const __m256 m = _mm256_set1_ps(horizontal_max(vmax));
    __m256 acc = _mm256_setzero_ps();
    for (i = 0; i + 8 <= n; i += 8) {
        const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(row + i), m));
        _mm256_storeu_ps(row + i, e);
        acc = _mm256_add_ps(acc, e);
    }
    if (i < n) {
        const __m256 e = _mm256_and_ps(exp8(_mm256_sub_ps(_mm256_maskload_ps(row + i, mask), m)), _mm256_castsi256_ps(mask));
        _mm256_maskstore_ps(row + i, mask, e);
        acc = _mm256_add_ps(acc, e);
    }
    return 1.0f / horizontal_sum(acc);
}

#else

int ak_vector_kernels_available(void) { return 0; }
void ak_gelu_bias_avx2(float *row, const float *bias, size_t n) { (void)row; (void)bias; (void)n; }
float ak_softmax_unnormalized_avx2(float *row, size_t n) { (void)row; (void)n; return 0; }

#endif
