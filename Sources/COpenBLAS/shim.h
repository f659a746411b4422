// Declarations only: libopenblas is loaded with dlopen() once its CPU kernel is chosen.
#include <cblas.h>

typedef void (*reslab_cblas_sgemm_fn)(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE, enum CBLAS_TRANSPOSE,
                                      blasint, blasint, blasint, float, const float *, blasint,
                                      const float *, blasint, float, float *, blasint);
typedef void (*reslab_openblas_set_num_threads_fn)(int);
typedef char *(*reslab_openblas_get_corename_fn)(void);
