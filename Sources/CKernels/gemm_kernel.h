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

/// `rows` × NR of C (rows ≤ MR, a constant once inlined) over kc steps of k: `a` holds the rows'
/// pointers (already at the block's first column), `b` the panel's kc × NR block. Only nr columns
/// are stored. On the first block of k, C starts from bias + residual; on later ones, from what C holds.
static inline __attribute__((always_inline)) void JOIN(tile_rows, SUFFIX)(
    const long rows, long kc, const float *const *a, const float *b, float *c, long ldc, long nr, int first,
    const float *bias, const float *residual, long ldr, int relu) {
    VEC acc[MR][2];
    const float *row[MR];
    for (long i = 0; i < rows; i++) {
        acc[i][0] = acc[i][1] = (VEC){0};
        row[i] = a[i];
    }
#pragma clang loop unroll_count(4)
    for (long p = 0; p < kc; p++) {
        VEC b0 = JOIN(load, SUFFIX)(b + p * NR);
        VEC b1 = JOIN(load, SUFFIX)(b + p * NR + W);
        for (long i = 0; i < rows; i++) {
            float x = row[i][p];
            acc[i][0] += b0 * x;
            acc[i][1] += b1 * x;
        }
    }
    VEC zero = (VEC){0};
    if (nr == NR) {
        for (long i = 0; i < rows; i++) {
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
    for (long i = 0; i < rows; i++) {
        JOIN(store, SUFFIX)(tile[i], acc[i][0]);
        JOIN(store, SUFFIX)(tile[i] + W, acc[i][1]);
    }
    for (long i = 0; i < rows; i++) {
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

/// One tile of `mr` rows (1 to MR): each count compiled on its own, so a last, short tile of rows
/// does only its own rows' work.
static void JOIN(micro_tile, SUFFIX)(long mr, long kc, const float *const *a, const float *b, float *c, long ldc,
                                     long nr, int first, const float *bias, const float *residual, long ldr,
                                     int relu) {
#define TILE_ROWS(r)                                                                                           \
    case r:                                                                                                    \
        JOIN(tile_rows, SUFFIX)(r, kc, a, b, c, ldc, nr, first, bias, residual, ldr, relu);                    \
        return;
    switch (mr) {
        TILE_ROWS(1)
        TILE_ROWS(2)
        TILE_ROWS(3)
        TILE_ROWS(4)
        TILE_ROWS(5)
        TILE_ROWS(6)
#if MR > 6
        TILE_ROWS(7)
        TILE_ROWS(8)
#endif
#if MR > 8
#error "MR over 8: add its cases"
#endif
    }
#undef TILE_ROWS
}

/// Block `pc` of k (KC rows, fewer in the last) of panel `jp`: blocks of k outermost, so that one
/// block of every panel in turn is one sequential stream.
static inline const float *JOIN(packed_block, SUFFIX)(const float *packed, long k, long n, long pc, long jp) {
    long panels = (n + NR - 1) / NR;
    long kc = k - pc < KC ? k - pc : KC;
    return packed + pc * panels * NR + jp * kc * NR;
}

static void JOIN(pack, SUFFIX)(long k, long n, const float *b, long ldb, float *packed) {
    for (long pc = 0; pc < k; pc += KC) {
        long kc = k - pc < KC ? k - pc : KC;
        for (long j0 = 0; j0 < n; j0 += NR) {
            long width = n - j0 < NR ? n - j0 : NR;
            float *block = (float *)JOIN(packed_block, SUFFIX)(packed, k, n, pc, j0 / NR);
            for (long p = 0; p < kc; p++) {
                for (long j = 0; j < width; j++) block[p * NR + j] = b[(pc + p) * ldb + j0 + j];
                for (long j = width; j < NR; j++) block[p * NR + j] = 0;
            }
        }
    }
}

/// Blocks of k (KC) keep one panel's block in L1; blocks of rows (MC) keep A's block in L2 while
/// it meets every panel, whose blocks are read one after the other from memory (or stay in L2, when
/// all of them fit: then each tile of rows meets every panel in turn, see below).
static void JOIN(gemm, SUFFIX)(long m, long n, long k, const float *const *rows, const float *packed, float *c,
                               long ldc, const float *bias, const float *residual, long ldr, int relu,
                               long panel_begin, long panel_end) {
    for (long pc = 0; pc < k; pc += KC) {
        long kc = k - pc < KC ? k - pc : KC;
        int first = pc == 0;
        int last = pc + kc == k;
        // A block of k of every panel small enough to stay in L2: each tile of rows meets every panel in
        // turn, so that its rows of C (and of the residual) are written (and read) from start to end, as
        // the prefetcher follows. Larger: each panel's block meets every tile of rows, read once.
        int tiles_outer = kc * (panel_end - panel_begin) * NR * (long)sizeof(float) <= TILES_OUTER_BYTES;
        for (long ic = 0; ic < m; ic += MC) {
            long mc = m - ic < MC ? m - ic : MC;
            long outer_count = tiles_outer ? (mc + MR - 1) / MR : panel_end - panel_begin;
            long inner_count = tiles_outer ? panel_end - panel_begin : (mc + MR - 1) / MR;
            for (long outer = 0; outer < outer_count; outer++) {
                for (long inner = 0; inner < inner_count; inner++) {
                    long jp = panel_begin + (tiles_outer ? inner : outer);
                    long ir = ic + MR * (tiles_outer ? outer : inner);
                    long j0 = jp * NR;
                    long nr = n - j0 < NR ? n - j0 : NR;
                    long mr = ic + mc - ir < MR ? ic + mc - ir : MR;
                    const float *a[MR];
                    for (long i = 0; i < mr; i++) a[i] = rows[ir + i] + pc;
                    JOIN(micro_tile, SUFFIX)(mr, kc, a, JOIN(packed_block, SUFFIX)(packed, k, n, pc, jp),
                                             c + ir * ldc + j0, ldc, nr, first, bias ? bias + j0 : 0,
                                             residual ? residual + ir * ldr + j0 : 0, ldr, last && relu);
                }
            }
        }
    }
}

#undef NR
#undef VEC
#undef JOIN
#undef JOIN2
