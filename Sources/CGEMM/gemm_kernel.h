// The kernel, included once per path by gemm.c with these defined:
//   SUFFIX   the path's name in function names
//   W        floats in one vector register
//   MR       rows of C a micro-tile computes (2·MR accumulators)
// A micro-tile is MR × NR of C, NR = 2·W: per step of k it loads two vectors of the packed B,
// broadcasts MR values of A, and does 2·MR fused multiply-adds.

#define NR (2 * W)
#define JOIN2(a, b) a##_##b
#define JOIN(a, b) JOIN2(a, b)
#define VEC JOIN(vec, SUFFIX)

typedef float VEC __attribute__((vector_size(4 * W), aligned(4)));

static inline VEC JOIN(load, SUFFIX)(const float *p) {
    VEC v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

static inline void JOIN(store, SUFFIX)(float *p, VEC v) { __builtin_memcpy(p, &v, sizeof v); }

/// One MR × NR tile of C over kc steps of k: `a` holds MR row pointers (already at the block's
/// first column), `b` the panel's kc × NR block. Only mr × nr of the tile is stored. On the first
/// block of k, C starts from bias + residual; on later ones, from what C holds.
static void JOIN(micro_tile, SUFFIX)(long kc, const float *const *a, const float *b, float *c, long ldc, long mr,
                                     long nr, int first, const float *bias, const float *residual, long ldr,
                                     int relu) {
    VEC acc[MR][2];
    for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = (VEC){0};
    const float *row[MR];
    for (int i = 0; i < MR; i++) row[i] = a[i];
#pragma clang loop unroll_count(4)
    for (long p = 0; p < kc; p++) {
        VEC b0 = JOIN(load, SUFFIX)(b + p * NR);
        VEC b1 = JOIN(load, SUFFIX)(b + p * NR + W);
        for (int i = 0; i < MR; i++) {
            float x = row[i][p];
            acc[i][0] += b0 * x;
            acc[i][1] += b1 * x;
        }
    }
    VEC zero = (VEC){0};
    if (nr == NR) {
        for (long i = 0; i < mr; i++) {
            float *ci = c + i * ldc;
            for (int h = 0; h < 2; h++) {
                VEC v = acc[i][h];
                if (first) {
                    if (bias) v += JOIN(load, SUFFIX)(bias + h * W);
                    if (residual) v += JOIN(load, SUFFIX)(residual + i * ldr + h * W);
                } else {
                    v += JOIN(load, SUFFIX)(ci + h * W);
                }
                if (relu) v = __builtin_elementwise_max(v, zero);
                JOIN(store, SUFFIX)(ci + h * W, v);
            }
        }
        return;
    }
    // A tile hanging over the last columns: through a buffer, one value at a time.
    float tile[MR][NR];
    for (int i = 0; i < MR; i++) {
        JOIN(store, SUFFIX)(tile[i], acc[i][0]);
        JOIN(store, SUFFIX)(tile[i] + W, acc[i][1]);
    }
    for (long i = 0; i < mr; i++) {
        float *ci = c + i * ldc;
        for (long j = 0; j < nr; j++) {
            float v = tile[i][j];
            if (first) {
                if (bias) v += bias[j];
                if (residual) v += residual[i * ldr + j];
            } else {
                v += ci[j];
            }
            ci[j] = relu && v < 0 ? 0 : v;
        }
    }
}

static void JOIN(pack, SUFFIX)(long k, long n, const float *b, long ldb, float *packed) {
    for (long j0 = 0; j0 < n; j0 += NR) {
        long width = n - j0 < NR ? n - j0 : NR;
        float *panel = packed + j0 * k;
        for (long p = 0; p < k; p++) {
            for (long j = 0; j < width; j++) panel[p * NR + j] = b[p * ldb + j0 + j];
            for (long j = width; j < NR; j++) panel[p * NR + j] = 0;
        }
    }
}

/// Blocks of k (KC) keep one panel's block in L1; blocks of rows (MC) keep A's block in L2 while
/// it meets every panel.
static void JOIN(gemm, SUFFIX)(long m, long n, long k, const float *const *rows, const float *packed, float *c,
                               long ldc, const float *bias, const float *residual, long ldr, int relu,
                               long panel_begin, long panel_end) {
    for (long pc = 0; pc < k; pc += KC) {
        long kc = k - pc < KC ? k - pc : KC;
        int first = pc == 0;
        int last = pc + kc == k;
        for (long ic = 0; ic < m; ic += MC) {
            long mc = m - ic < MC ? m - ic : MC;
            for (long jp = panel_begin; jp < panel_end; jp++) {
                long j0 = jp * NR;
                long nr = n - j0 < NR ? n - j0 : NR;
                const float *block = packed + j0 * k + pc * NR;
                for (long ir = ic; ir < ic + mc; ir += MR) {
                    long mr = ic + mc - ir < MR ? ic + mc - ir : MR;
                    const float *a[MR];
                    for (long i = 0; i < MR; i++) a[i] = rows[ir + (i < mr ? i : mr - 1)] + pc;
                    JOIN(micro_tile, SUFFIX)(kc, a, block, c + ir * ldc + j0, ldc, mr, nr, first,
                                             bias ? bias + j0 : 0, residual ? residual + ir * ldr + j0 : 0, ldr,
                                             last && relu);
                }
            }
        }
    }
}

#undef NR
#undef VEC
#undef JOIN
#undef JOIN2
