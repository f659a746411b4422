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

/* ---- A damaged file may crash libhdf5 itself ----
 * Reading a variable-length string, HDF5 1.10 follows the global-heap reference stored in the file
 * without checking it: one flipped bit in a weight file's metadata made H5Aread copy from a wild
 * address, or past its buffer (H5HG_read). So the variable-length string attributes of a file are
 * read by a child process, which writes them to a pipe; a crash, a heap overflow or a hang (5 s)
 * there ends the child, not reslab.
 *
 * What the child writes, every field ending in a NUL byte: for each such attribute, the path of its
 * object as H5Ovisit names it ("." for the root group), the attribute's name, its number of strings
 * in decimal, then the strings.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

typedef struct reslab_h5_sink {
    int fd;
    int failed;
    const char *object;
} reslab_h5_sink;

static inline void reslab_h5_put(reslab_h5_sink *sink, const char *text) {
    size_t left = strlen(text) + 1;
    while (left > 0 && !sink->failed) {
        ssize_t written = write(sink->fd, text, left);
        if (written < 0) {
            if (errno != EINTR) sink->failed = 1;
            continue;
        }
        text += written;
        left -= (size_t)written;
    }
}

static inline herr_t reslab_h5_put_attribute(hid_t location, const char *name, const H5A_info_t *info, void *data) {
    (void)info;
    reslab_h5_sink *sink = (reslab_h5_sink *)data;
    hid_t attribute = H5Aopen(location, name, H5P_DEFAULT);
    if (attribute < 0) return 0;
    hid_t type = H5Aget_type(attribute);
    hid_t space = H5Aget_space(attribute);
    hssize_t count = space < 0 ? -1 : H5Sget_simple_extent_npoints(space);
    if (type < 0 || H5Tget_class(type) != H5T_STRING || H5Tis_variable_str(type) <= 0 || count < 0 ||
        count > (1 << 24)) {
        return 0;
    }
    char **strings = calloc((size_t)count + 1, sizeof(char *));
    hid_t memory = H5Tcopy(H5T_C_S1);
    if (strings == NULL || memory < 0 || H5Tset_size(memory, H5T_VARIABLE) < 0 ||
        H5Tset_cset(memory, H5Tget_cset(type)) < 0 || H5Aread(attribute, memory, strings) < 0) {
        return 0; /* not written: the parent reports the attribute unreadable */
    }
    char number[32];
    snprintf(number, sizeof number, "%lld", (long long)count);
    reslab_h5_put(sink, sink->object);
    reslab_h5_put(sink, name);
    reslab_h5_put(sink, number);
    for (hssize_t i = 0; i < count; i++) reslab_h5_put(sink, strings[i] == NULL ? "" : strings[i]);
    return 0; /* the child exits soon: nothing is freed */
}

static inline herr_t reslab_h5_put_object(hid_t object, const char *name, const H5O_info_t *info, void *data) {
    reslab_h5_sink *sink = (reslab_h5_sink *)data;
    if (info->type != H5O_TYPE_GROUP) return 0; /* a Keras file's names are attributes of groups */
    sink->object = name;
    hsize_t index = 0;
    H5Aiterate_by_name(object, name, H5_INDEX_NAME, H5_ITER_NATIVE, &index, reslab_h5_put_attribute, sink,
                       H5P_DEFAULT);
    return sink->failed ? -1 : 0;
}

/// Where a sanitizer writes its reports, when reslab is built with one (else this is null).
extern void __sanitizer_set_report_fd(void *fd) __attribute__((weak));

/// Starts a child that writes every variable-length string attribute of `file` to a pipe, whose
/// reading end goes to `*output`. The child's pid, or -1 when no pipe or child could be made.
/// Call it holding the HDF5 lock; read `*output` to its end, close it, then `reslab_h5_child_lived`.
static inline pid_t reslab_h5_start_string_reader(hid_t file, int *output) {
    int ends[2];
    if (pipe2(ends, O_CLOEXEC) != 0) return -1; /* no other child may hold the writing end */
    pid_t child = fork();
    if (child < 0) {
        close(ends[0]);
        close(ends[1]);
        return -1;
    }
    if (child == 0) {
        /* The thread that forked may block signals (a Dispatch worker does): the alarm must arrive. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        /* A crash here ends this process quietly, without reslab's crash report. */
        int crashes[] = {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE, SIGTRAP};
        for (size_t i = 0; i < sizeof crashes / sizeof crashes[0]; i++) signal(crashes[i], SIG_DFL);
        signal(SIGALRM, SIG_DFL);
        int quiet = open("/dev/null", O_WRONLY);
        if (quiet >= 0) {
            dup2(quiet, STDOUT_FILENO);
            dup2(quiet, STDERR_FILENO);
        }
        /* So does a sanitizer's report of what the library did to a damaged file, which would otherwise
           go to the parent's report file (`make sanitize` sets one). */
        if (__sanitizer_set_report_fd) __sanitizer_set_report_fd((void *)(long)STDERR_FILENO);
        close(ends[0]);
        alarm(5);
        reslab_h5_sink sink = {ends[1], 0, "."};
        H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_NATIVE, reslab_h5_put_object, &sink, H5O_INFO_BASIC);
        _exit(sink.failed ? 2 : 0);
    }
    close(ends[1]);
    *output = ends[0];
    return child;
}

/// Waits for the child of `reslab_h5_start_string_reader` (killing it first if `kill_it`): 1 when it
/// finished its work, 0 when it died or failed.
static inline int reslab_h5_child_lived(pid_t child, int kill_it) {
    if (kill_it) kill(child, SIGKILL);
    int status = 0;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) return 0;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
