#include <hdf5.h>

/*
 * Several HDF5 "constants" are macros that expand to a call plus a global, e.g.
 *   #define H5F_ACC_RDONLY   (H5CHECK H5OPEN 0x0000u)
 *   #define H5T_NATIVE_FLOAT (H5OPEN H5T_NATIVE_FLOAT_g)
 * Swift imports neither form (and a C global var is shared mutable state under Swift 6).
 * These functions evaluate the macros in C, so `H5open()` runs before any `_g` global is read.
 */

static inline hid_t reslab_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t reslab_h5s_all(void) { return H5S_ALL; }
static inline hid_t reslab_h5e_default(void) { return H5E_DEFAULT; }
static inline unsigned reslab_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline hid_t reslab_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t reslab_h5t_c_s1(void) { return H5T_C_S1; }
static inline size_t reslab_h5t_variable(void) { return H5T_VARIABLE; }

/* Turns off HDF5's automatic printing of its error stack for the calling thread
 * (in a thread-safe HDF5 build the default error stack is per thread). */
static inline void reslab_h5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
