// libjpeg(-turbo) for reslab, plus the few C helpers Swift cannot write itself.
//
// libjpeg reports a fatal error by calling `err->error_exit`, whose default prints the
// message and calls exit(). reslab replaces it with a handler that copies the message and
// longjmps back into the helper that started the work. setjmp cannot be called from Swift
// (it would return twice into a Swift frame), so every libjpeg call that may fail runs
// inside one of the `reslab_jpeg_*` helpers below; Swift sees only 0 (success) or -1
// (failure, with the message in `reslab_jpeg.message`).
//
// Only C frames lie between setjmp and longjmp, and no helper reads a local variable
// after the jump, so no `volatile` is needed.
#ifndef RESLAB_CJPEG_SHIM_H
#define RESLAB_CJPEG_SHIM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

/// How many scans a progressive JPEG may have before reslab calls it corrupt. Real encoders
/// write about ten; a crafted file with thousands of tiny scans would make decoding very slow.
#define RESLAB_JPEG_MAX_SCANS 1000

/// How many pixels the scans of one image may cover in all, each scan counted over the whole image
/// (a scan's work grows with the image, even when it holds no data): 2^31, some 24 scans of the
/// largest image reslab reads, 128 of a 4096x4096 one, the 1000 scans of a 1448x1448 one.
#define RESLAB_JPEG_MAX_SCAN_PIXELS (1LL << 31)

/// The most memory libjpeg may take for one image. A progressive JPEG keeps every coefficient of the
/// image until its last scan (two bytes a sample); a tiny file may declare a huge one. libjpeg-turbo
/// has no backing store, so past this it stops with JERR_NO_BACKING_STORE, which reslab reports.
#define RESLAB_JPEG_MAX_MEMORY (512L << 20)

/// One decoder: libjpeg's state, the error manager and where to jump on error.
/// `cinfo` must stay the first member: the handlers cast `j_common_ptr` back to this type.
typedef struct reslab_jpeg {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr err;
    jmp_buf jump;
    /// 1 once jpeg_create_decompress has succeeded (so destroy must be called).
    int created;
    /// 1 if the failure was the data ending too early.
    int truncated;
    /// Start-of-scan markers seen so far, and the pixels they cover (the image's, once a scan).
    int scans;
    long long scan_pixels;
    /// libjpeg's message for the last failure.
    char message[JMSG_LENGTH_MAX];
} reslab_jpeg;

static inline void reslab_jpeg_error_exit(j_common_ptr cinfo) {
    reslab_jpeg *j = (reslab_jpeg *)cinfo;
    if (cinfo->err->msg_code == JERR_NO_BACKING_STORE) {
        snprintf(j->message, sizeof j->message,
                 "Unsupported size: decoding it would take more than %ld MiB (a progressive JPEG keeps "
                 "the whole image's coefficients until its last scan)", RESLAB_JPEG_MAX_MEMORY >> 20);
    } else {
        (*cinfo->err->format_message)(cinfo, j->message);
    }
    longjmp(j->jump, 1);
}

/// Warnings and trace messages print nothing. Two of them end the decoding, as Pillow would:
/// a premature end of data (libjpeg would pad the image with gray; Pillow raises "image file
/// is truncated"), and an absurd number of scans.
static inline void reslab_jpeg_emit_message(j_common_ptr cinfo, int msg_level) {
    reslab_jpeg *j = (reslab_jpeg *)cinfo;
    if (msg_level < 0) {
        cinfo->err->num_warnings++;
        if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
            j->truncated = 1;
            cinfo->err->error_exit(cinfo);
        }
    } else if (cinfo->err->msg_code == JTRC_SOS) {
        j->scan_pixels += (long long)j->cinfo.image_width * j->cinfo.image_height;
        if (++j->scans > RESLAB_JPEG_MAX_SCANS) {
            snprintf(j->message, sizeof j->message,
                     "more than %d scans (a crafted or damaged progressive JPEG)",
                     RESLAB_JPEG_MAX_SCANS);
            longjmp(j->jump, 1);
        }
        if (j->scan_pixels > RESLAB_JPEG_MAX_SCAN_PIXELS) {
            snprintf(j->message, sizeof j->message,
                     "%d scans of a %ux%u image, over %lld million pixels in all "
                     "(a crafted or damaged progressive JPEG)",
                     j->scans, j->cinfo.image_width, j->cinfo.image_height,
                     RESLAB_JPEG_MAX_SCAN_PIXELS / 1000000);
            longjmp(j->jump, 1);
        }
    }
}

/// A zeroed decoder, or NULL if out of memory. Free it with reslab_jpeg_destroy.
static inline reslab_jpeg *reslab_jpeg_new(void) {
    return (reslab_jpeg *)calloc(1, sizeof(reslab_jpeg));
}

/// Frees everything libjpeg allocated, then the decoder itself. Safe after a failure.
static inline void reslab_jpeg_destroy(reslab_jpeg *j) {
    if (j == NULL) return;
    if (j->created) jpeg_destroy_decompress(&j->cinfo);
    free(j);
}

/// Reads the JPEG header from `size` bytes at `data`, which must outlive the decoder.
/// 0 on success (image_width, image_height, num_components and jpeg_color_space are then
/// set); -1 on failure, with the reason in `message`.
static inline int reslab_jpeg_read_header(reslab_jpeg *j, const unsigned char *data,
                                          unsigned long size) {
    j->cinfo.err = jpeg_std_error(&j->err);
    j->err.error_exit = reslab_jpeg_error_exit;
    j->err.emit_message = reslab_jpeg_emit_message;
    if (setjmp(j->jump)) return -1;
    // Set first: jpeg_destroy_decompress is safe on a zeroed, half-created decoder too.
    j->created = 1;
    jpeg_create_decompress(&j->cinfo);
    j->cinfo.mem->max_memory_to_use = RESLAB_JPEG_MAX_MEMORY;
    jpeg_mem_src(&j->cinfo, data, size);
    jpeg_read_header(&j->cinfo, TRUE);
    return 0;
}

static inline unsigned int reslab_jpeg_width(const reslab_jpeg *j) { return j->cinfo.image_width; }
static inline unsigned int reslab_jpeg_height(const reslab_jpeg *j) { return j->cinfo.image_height; }
static inline int reslab_jpeg_components(const reslab_jpeg *j) { return j->cinfo.num_components; }
static inline int reslab_jpeg_is_progressive(const reslab_jpeg *j) {
    return j->cinfo.progressive_mode ? 1 : 0;
}

/// Colour spaces the decoder can be asked for (Pillow's rawmodes L, RGB and CMYK;I).
enum {
    RESLAB_JPEG_GRAY = 1,  // JCS_GRAYSCALE: 1 byte per pixel
    RESLAB_JPEG_RGB = 3,   // JCS_RGB:       3 bytes per pixel
    RESLAB_JPEG_CMYK = 4,  // JCS_CMYK:      4 bytes per pixel, as stored (Adobe: inverted)
};

/// Decodes the whole image into `out`, `components` (1, 3 or 4, see above) bytes per pixel,
/// rows `row_stride` bytes apart; `out` must hold image_height rows. Uses libjpeg's defaults,
/// as Pillow does: ISLOW integer DCT, fancy upsampling, block smoothing, full size.
/// 0 on success; -1 on failure, with the reason in `message` (and `truncated` set if the
/// data ended early).
static inline int reslab_jpeg_decode(reslab_jpeg *j, int components, unsigned char *out,
                                     size_t row_stride) {
    if (setjmp(j->jump)) return -1;
    switch (components) {
    case RESLAB_JPEG_GRAY: j->cinfo.out_color_space = JCS_GRAYSCALE; break;
    case RESLAB_JPEG_RGB: j->cinfo.out_color_space = JCS_RGB; break;
    case RESLAB_JPEG_CMYK: j->cinfo.out_color_space = JCS_CMYK; break;
    default:
        snprintf(j->message, sizeof j->message, "cannot decode to %d components", components);
        return -1;
    }
    j->cinfo.dct_method = JDCT_ISLOW;
    j->cinfo.do_fancy_upsampling = TRUE;
    j->cinfo.scale_num = 1;
    j->cinfo.scale_denom = 1;
    jpeg_start_decompress(&j->cinfo);
    if (j->cinfo.output_components != components
        || j->cinfo.output_width != j->cinfo.image_width
        || j->cinfo.output_height != j->cinfo.image_height) {
        snprintf(j->message, sizeof j->message,
                 "libjpeg produced %ux%u with %d components, expected %ux%u with %d",
                 j->cinfo.output_width, j->cinfo.output_height, j->cinfo.output_components,
                 j->cinfo.image_width, j->cinfo.image_height, components);
        return -1;
    }
    while (j->cinfo.output_scanline < j->cinfo.output_height) {
        JSAMPROW row = out + (size_t)j->cinfo.output_scanline * row_stride;
        if (jpeg_read_scanlines(&j->cinfo, &row, 1) != 1) {
            snprintf(j->message, sizeof j->message, "libjpeg returned no scanline");
            return -1;
        }
    }
    jpeg_finish_decompress(&j->cinfo);
    return 0;
}

#endif
