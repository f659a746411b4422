// The input and output transforms of Winograd's F(2×2, 3×3) and F(4×4, 3×3), one tile at a time,
// over channel vectors, compiled for the same paths as the GEMM (reslab_gemm.h). The matrices are
// Lavin and Gray's (see Winograd.swift, which transforms the kernels and documents the algorithm).
#ifndef RESLAB_WINOGRAD_H
#define RESLAB_WINOGRAD_H

#include "reslab_gemm.h"

/// V = Bᵀ d B for one tile of F(m×m, 3×3), m = 2 or 4, α = m + 2: `d` holds the α² input pixels
/// (row by row; a pixel outside the image points at c zeros), each c channels. Writes α² rows of c
/// values: row ξ at v + ξ·vstride.
void reslab_winograd_input(reslab_gemm_path path, int m, const float *const *d, long c, float *v, long vstride);

/// Y = Aᵀ M A (+ bias, then ReLU) for one tile: row ξ of M at product + ξ·mstride, k filters each.
/// `out` holds the m² output pixels (row by row); NULL drops one (past the image's edge).
void reslab_winograd_output(reslab_gemm_path path, int m, const float *product, long mstride, long k,
                            float *const *out, const float *bias, int relu);

#endif
