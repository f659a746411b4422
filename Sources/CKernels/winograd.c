// The paths of the Winograd transforms (include/reslab_winograd.h), chosen as the GEMM's are.
#include "reslab_winograd.h"

#pragma clang fp contract(fast)

#define SUFFIX portable
#define W 4
#include "winograd_kernel.h"
#undef SUFFIX
#undef W

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define SUFFIX avx2
#define W 8
#include "winograd_kernel.h"
#undef SUFFIX
#undef W
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx512f,fma"))), apply_to = function)
#define SUFFIX avx512
#define W 16
#include "winograd_kernel.h"
#undef SUFFIX
#undef W
#pragma clang attribute pop
#endif

void reslab_winograd_input(reslab_gemm_path path, int m, const float *const *d, long c, float *v, long vstride) {
    switch (path) {
#if defined(__x86_64__)
    case RESLAB_GEMM_AVX2: winograd_input_avx2(m, d, c, v, vstride); return;
    case RESLAB_GEMM_AVX512: winograd_input_avx512(m, d, c, v, vstride); return;
#endif
    default: winograd_input_portable(m, d, c, v, vstride); return;
    }
}

void reslab_winograd_output(reslab_gemm_path path, int m, const float *product, long mstride, long k,
                            float *const *out, const float *bias, int relu) {
    switch (path) {
#if defined(__x86_64__)
    case RESLAB_GEMM_AVX2: winograd_output_avx2(m, product, mstride, k, out, bias, relu); return;
    case RESLAB_GEMM_AVX512: winograd_output_avx512(m, product, mstride, k, out, bias, relu); return;
#endif
    default: winograd_output_portable(m, product, mstride, k, out, bias, relu); return;
    }
}
