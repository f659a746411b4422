// The three paths of reslab's GEMM (see include/reslab_gemm.h), and the choice among them.
#include "reslab_gemm.h"

#define KC 256
#define MC 96
#define TILES_OUTER_BYTES (256 << 10)

#pragma clang fp contract(fast)

#define SUFFIX portable
#define W 4
#define MR 6
#include "gemm_kernel.h"
#undef SUFFIX
#undef W
#undef MR

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define SUFFIX avx2
#define W 8
#define MR 6
#include "gemm_kernel.h"
#undef SUFFIX
#undef W
#undef MR
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx512f,fma"))), apply_to = function)
#define SUFFIX avx512
#define W 16
#define MR 8
#include "gemm_kernel.h"
#undef SUFFIX
#undef W
#undef MR
#pragma clang attribute pop
#endif

int reslab_gemm_supported(reslab_gemm_path path) {
    switch (path) {
    case RESLAB_GEMM_PORTABLE:
        return 1;
#if defined(__x86_64__)
    case RESLAB_GEMM_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case RESLAB_GEMM_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f");
#endif
    default:
        return 0;
    }
}

long reslab_gemm_panel_width(reslab_gemm_path path) {
    switch (path) {
#if defined(__x86_64__)
    case RESLAB_GEMM_AVX2: return 16;
    case RESLAB_GEMM_AVX512: return 32;
#endif
    default: return 8;
    }
}

void reslab_gemm_pack(reslab_gemm_path path, long k, long n, const float *b, long ldb, float *packed) {
    switch (path) {
#if defined(__x86_64__)
    case RESLAB_GEMM_AVX2: pack_avx2(k, n, b, ldb, packed); return;
    case RESLAB_GEMM_AVX512: pack_avx512(k, n, b, ldb, packed); return;
#endif
    default: pack_portable(k, n, b, ldb, packed); return;
    }
}

void reslab_gemm(reslab_gemm_path path, long m, long n, long k, const float *const *rows, const float *packed,
                 float *c, long ldc, const float *bias, const float *residual, long ldr, int relu,
                 long panel_begin, long panel_end) {
    switch (path) {
#if defined(__x86_64__)
    case RESLAB_GEMM_AVX2:
        gemm_avx2(m, n, k, rows, packed, c, ldc, bias, residual, ldr, relu, panel_begin, panel_end);
        return;
    case RESLAB_GEMM_AVX512:
        gemm_avx512(m, n, k, rows, packed, c, ldc, bias, residual, ldr, relu, panel_begin, panel_end);
        return;
#endif
    default:
        gemm_portable(m, n, k, rows, packed, c, ldc, bias, residual, ldr, relu, panel_begin, panel_end);
        return;
    }
}
