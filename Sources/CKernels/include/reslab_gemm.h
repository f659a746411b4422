// reslab's own GEMM for the convolutions: C = A·B (+ bias) (+ residual), then ReLU, with B packed
// once, when the weights are loaded, in the layout the kernel reads. Rows of A are passed as
// pointers, so a strided 1×1 convolution reads its input in place.
//
// One kernel is written once (gemm_kernel.h) and compiled for three paths: AVX-512, AVX2 with
// FMA, and portable C vectors (SSE2 on x86-64, NEON on arm64). The caller picks one path at start
// and keeps it: packing depends on it.
#ifndef RESLAB_GEMM_H
#define RESLAB_GEMM_H

typedef enum {
    RESLAB_GEMM_PORTABLE = 0,
    RESLAB_GEMM_AVX2 = 1,
    RESLAB_GEMM_AVX512 = 2,
} reslab_gemm_path;

/// 1 if this CPU can run `path`, else 0.
int reslab_gemm_supported(reslab_gemm_path path);

/// Columns in one panel of a packed B for `path`.
long reslab_gemm_panel_width(reslab_gemm_path path);

/// Packs B (k×n, row-major, leading dimension ldb) into panels of reslab_gemm_panel_width(path)
/// columns, the last padded with zeros, cut into blocks of 256 rows of k: block by block, panel by
/// panel, row by row. `packed` holds ceil(n / width) · width · k floats.
void reslab_gemm_pack(reslab_gemm_path path, long k, long n, const float *b, long ldb, float *packed);

/// For rows i < m and the columns of panels [panel_begin, panel_end):
///   C[i][j] = relu?( Σp rows[i][p] · B[p][j] + bias[j] + residual[i·ldr + j] )
/// `bias` and `residual` may be NULL. Row i of C starts at c + i·ldc. Single-threaded: callers
/// split rows or panels between threads.
void reslab_gemm(reslab_gemm_path path, long m, long n, long k, const float *const *rows, const float *packed,
                 float *c, long ldc, const float *bias, const float *residual, long ldr, int relu,
                 long panel_begin, long panel_end);

#endif
