// The transforms, included once per path by winograd.c with SUFFIX and W defined (see gemm_kernel.h).
// Each is written once over a type T, for the vectors of W channels and for a scalar tail.

#define JOIN2(a, b) a##_##b
#define JOIN(a, b) JOIN2(a, b)
#define VEC JOIN(wvec, SUFFIX)

typedef float VEC __attribute__((vector_size(4 * W), aligned(4)));

#define LOAD_V(p) ({ VEC v_; __builtin_memcpy(&v_, (p), sizeof v_); v_; })
#define STORE_V(p, x) do { VEC v_ = (x); __builtin_memcpy((p), &v_, sizeof v_); } while (0)
#define LOAD_S(p) (*(p))
#define STORE_S(p, x) (*(p) = (x))
#define RELU_V(x) __builtin_elementwise_max((x), (VEC){0})
#define RELU_S(x) ((x) < 0 ? 0.0f : (x))

// Bᵀ x and Aᵀ x for one line of a tile (x0…x5 in, y0… out), row by row of Lavin and Gray's matrices:
//   F(4×4): Bᵀ = [[4, 0, −5, 0, 1, 0], [0, −4, −4, 1, 1, 0], [0, 4, −4, −1, 1, 0], [0, −2, −1, 2, 1, 0],
//                 [0, 2, −1, −2, 1, 0], [0, 4, 0, −5, 0, 1]]
//           Aᵀ = [[1, 1, 1, 1, 1, 0], [0, 1, −1, 2, −2, 0], [0, 1, 1, 4, 4, 0], [0, 1, −1, 8, −8, 1]]
//   F(2×2): Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]]
//           Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]]
// The 2-D transforms apply them down the columns, then along the rows.
#define BT4(x0, x1, x2, x3, x4, x5, y0, y1, y2, y3, y4, y5) \
    y0 = 4 * x0 - 5 * x2 + x4;                              \
    y1 = -4 * x1 - 4 * x2 + x3 + x4;                        \
    y2 = 4 * x1 - 4 * x2 - x3 + x4;                         \
    y3 = -2 * x1 - x2 + 2 * x3 + x4;                        \
    y4 = 2 * x1 - x2 - 2 * x3 + x4;                         \
    y5 = 4 * x1 - 5 * x3 + x5;
#define AT4(x0, x1, x2, x3, x4, x5, y0, y1, y2, y3) \
    y0 = x0 + x1 + x2 + x3 + x4;                    \
    y1 = x1 - x2 + 2 * x3 - 2 * x4;                 \
    y2 = x1 + x2 + 4 * x3 + 4 * x4;                 \
    y3 = x1 - x2 + 8 * x3 - 8 * x4 + x5;
#define BT2(x0, x1, x2, x3, y0, y1, y2, y3) \
    y0 = x0 - x2;                           \
    y1 = x1 + x2;                           \
    y2 = x2 - x1;                           \
    y3 = x1 - x3;
#define AT2(x0, x1, x2, x3, y0, y1) \
    y0 = x0 + x1 + x2;              \
    y1 = x1 - x2 - x3;

// One chunk of channels at offset `ch`, as type T with LOAD and STORE.
#define INPUT4(T, LOAD, STORE)                                                                         \
    {                                                                                                  \
        T x[6][6], t[6][6];                                                                            \
        for (int i = 0; i < 6; i++)                                                                    \
            for (int j = 0; j < 6; j++) x[i][j] = LOAD(d[i * 6 + j] + ch);                            \
        for (int j = 0; j < 6; j++) {                                                                  \
            BT4(x[0][j], x[1][j], x[2][j], x[3][j], x[4][j], x[5][j], t[0][j], t[1][j], t[2][j], t[3][j], \
                t[4][j], t[5][j])                                                                      \
        }                                                                                              \
        for (int i = 0; i < 6; i++) {                                                                  \
            T y0, y1, y2, y3, y4, y5;                                                                  \
            BT4(t[i][0], t[i][1], t[i][2], t[i][3], t[i][4], t[i][5], y0, y1, y2, y3, y4, y5)          \
            float *row = v + (i * 6) * vstride + ch;                                                   \
            STORE(row, y0);                                                                            \
            STORE(row + vstride, y1);                                                                  \
            STORE(row + 2 * vstride, y2);                                                              \
            STORE(row + 3 * vstride, y3);                                                              \
            STORE(row + 4 * vstride, y4);                                                              \
            STORE(row + 5 * vstride, y5);                                                              \
        }                                                                                              \
    }
#define INPUT2(T, LOAD, STORE)                                                                    \
    {                                                                                             \
        T x[4][4], t[4][4];                                                                       \
        for (int i = 0; i < 4; i++)                                                               \
            for (int j = 0; j < 4; j++) x[i][j] = LOAD(d[i * 4 + j] + ch);                       \
        for (int j = 0; j < 4; j++) { BT2(x[0][j], x[1][j], x[2][j], x[3][j], t[0][j], t[1][j], t[2][j], t[3][j]) } \
        for (int i = 0; i < 4; i++) {                                                             \
            T y0, y1, y2, y3;                                                                     \
            BT2(t[i][0], t[i][1], t[i][2], t[i][3], y0, y1, y2, y3)                               \
            float *row = v + (i * 4) * vstride + ch;                                              \
            STORE(row, y0);                                                                       \
            STORE(row + vstride, y1);                                                             \
            STORE(row + 2 * vstride, y2);                                                         \
            STORE(row + 3 * vstride, y3);                                                         \
        }                                                                                         \
    }
#define FINISH(T, LOAD, STORE, RELU, value, target, biasValue) \
    {                                                          \
        T y_ = (value);                                        \
        if (bias) y_ += biasValue;                             \
        if (relu) y_ = RELU(y_);                               \
        if (target) STORE(target + ch, y_);                    \
    }
#define OUTPUT4(T, LOAD, STORE, RELU)                                                                   \
    {                                                                                                   \
        T x[6][6], t[4][6];                                                                             \
        for (int i = 0; i < 6; i++)                                                                     \
            for (int j = 0; j < 6; j++) x[i][j] = LOAD(product + (i * 6 + j) * mstride + ch);          \
        for (int j = 0; j < 6; j++) { AT4(x[0][j], x[1][j], x[2][j], x[3][j], x[4][j], x[5][j], t[0][j], t[1][j], t[2][j], t[3][j]) } \
        T b_ = bias ? LOAD(bias + ch) : (T){0};                                                         \
        for (int i = 0; i < 4; i++) {                                                                   \
            T y0, y1, y2, y3;                                                                           \
            AT4(t[i][0], t[i][1], t[i][2], t[i][3], t[i][4], t[i][5], y0, y1, y2, y3)                   \
            FINISH(T, LOAD, STORE, RELU, y0, out[i * 4], b_)                                            \
            FINISH(T, LOAD, STORE, RELU, y1, out[i * 4 + 1], b_)                                        \
            FINISH(T, LOAD, STORE, RELU, y2, out[i * 4 + 2], b_)                                        \
            FINISH(T, LOAD, STORE, RELU, y3, out[i * 4 + 3], b_)                                        \
        }                                                                                               \
    }
#define OUTPUT2(T, LOAD, STORE, RELU)                                                                   \
    {                                                                                                   \
        T x[4][4], t[2][4];                                                                             \
        for (int i = 0; i < 4; i++)                                                                     \
            for (int j = 0; j < 4; j++) x[i][j] = LOAD(product + (i * 4 + j) * mstride + ch);          \
        for (int j = 0; j < 4; j++) { AT2(x[0][j], x[1][j], x[2][j], x[3][j], t[0][j], t[1][j]) }       \
        T b_ = bias ? LOAD(bias + ch) : (T){0};                                                         \
        for (int i = 0; i < 2; i++) {                                                                   \
            T y0, y1;                                                                                   \
            AT2(t[i][0], t[i][1], t[i][2], t[i][3], y0, y1)                                             \
            FINISH(T, LOAD, STORE, RELU, y0, out[i * 2], b_)                                            \
            FINISH(T, LOAD, STORE, RELU, y1, out[i * 2 + 1], b_)                                        \
        }                                                                                               \
    }

static void JOIN(winograd_input, SUFFIX)(int m, const float *const *d, long c, float *v, long vstride) {
    long ch = 0;
    if (m == 4) {
        for (; ch + W <= c; ch += W) INPUT4(VEC, LOAD_V, STORE_V)
        for (; ch < c; ch++) INPUT4(float, LOAD_S, STORE_S)
    } else {
        for (; ch + W <= c; ch += W) INPUT2(VEC, LOAD_V, STORE_V)
        for (; ch < c; ch++) INPUT2(float, LOAD_S, STORE_S)
    }
}

static void JOIN(winograd_output, SUFFIX)(int m, const float *product, long mstride, long k, float *const *out,
                                          const float *bias, int relu) {
    long ch = 0;
    if (m == 4) {
        for (; ch + W <= k; ch += W) OUTPUT4(VEC, LOAD_V, STORE_V, RELU_V)
        for (; ch < k; ch++) OUTPUT4(float, LOAD_S, STORE_S, RELU_S)
    } else {
        for (; ch + W <= k; ch += W) OUTPUT2(VEC, LOAD_V, STORE_V, RELU_V)
        for (; ch < k; ch++) OUTPUT2(float, LOAD_S, STORE_S, RELU_S)
    }
}

#undef JOIN
#undef JOIN2
#undef VEC
#undef LOAD_V
#undef STORE_V
#undef LOAD_S
#undef STORE_S
#undef RELU_V
#undef RELU_S
#undef BT4
#undef AT4
#undef BT2
#undef AT2
#undef INPUT4
#undef INPUT2
#undef FINISH
#undef OUTPUT4
#undef OUTPUT2
