// libpng for reslab, plus the few C helpers Swift cannot write itself.
//
// libpng reports a fatal error by calling the error callback and then longjmp-ing to
// `png_jmpbuf(png)`. setjmp cannot be called from Swift, so every libpng call that may fail
// runs inside one of the `reslab_png_*` helpers below; Swift sees only 0 (success) or -1
// (failure, with the message in `reslab_png.message`). Warnings are dropped.
//
// Only C frames lie between setjmp and longjmp, and no helper reads a local variable
// after the jump, so no `volatile` is needed.
#ifndef RESLAB_CPNG_SHIM_H
#define RESLAB_CPNG_SHIM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <png.h>

/// One decoder reading a PNG held in memory.
typedef struct reslab_png {
    png_structp png;
    png_infop info;
    const unsigned char *data;
    size_t size;
    size_t offset;
    /// 1 if the failure was the data ending too early.
    int truncated;
    /// libpng's message for the last failure.
    char message[256];
    /// From IHDR, after reslab_png_read_header.
    png_uint_32 width, height;
    int bit_depth, color_type, interlace_type;
    /// PLTE entries (RGB triples); `palette_count` is 0 without a PLTE chunk.
    int palette_count;
    unsigned char palette[256 * 3];
    /// Bytes per decoded row and samples per pixel, after reslab_png_prepare.
    size_t row_bytes;
    int channels;
    /// 7 for an Adam7-interlaced image, else 1.
    int passes;
} reslab_png;

static inline void reslab_png_error(png_structp png, png_const_charp message) {
    reslab_png *p = (reslab_png *)png_get_error_ptr(png);
    if (p != NULL) snprintf(p->message, sizeof p->message, "%s", message ? message : "error");
    png_longjmp(png, 1);
}

static inline void reslab_png_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static inline void reslab_png_read(png_structp png, png_bytep out, size_t length) {
    reslab_png *p = (reslab_png *)png_get_io_ptr(png);
    if (p->size - p->offset < length) {
        p->truncated = 1;
        png_error(png, "unexpected end of file");
    }
    memcpy(out, p->data + p->offset, length);
    p->offset += length;
}

/// A zeroed decoder, or NULL if out of memory. Free it with reslab_png_destroy.
static inline reslab_png *reslab_png_new(void) {
    return (reslab_png *)calloc(1, sizeof(reslab_png));
}

/// Frees everything libpng allocated, then the decoder itself. Safe after a failure.
static inline void reslab_png_destroy(reslab_png *p) {
    if (p == NULL) return;
    if (p->png != NULL) png_destroy_read_struct(&p->png, p->info ? &p->info : NULL, NULL);
    free(p);
}

/// Reads everything up to the image data from `size` bytes at `data`, which must outlive
/// the decoder. 0 on success (the IHDR fields and the palette are then set); -1 on failure.
/// Only the header is read: nothing proportional to the image size is allocated yet.
static inline int reslab_png_read_header(reslab_png *p, const unsigned char *data, size_t size) {
    p->data = data;
    p->size = size;
    p->offset = 0;
    p->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, p, reslab_png_error,
                                    reslab_png_warning);
    if (p->png == NULL) {
        snprintf(p->message, sizeof p->message, "out of memory");
        return -1;
    }
    p->info = png_create_info_struct(p->png);
    if (p->info == NULL) {
        snprintf(p->message, sizeof p->message, "out of memory");
        return -1;
    }
    if (setjmp(png_jmpbuf(p->png))) return -1;
    // Let every IHDR size through here (PNG allows up to 2^31-1): the caller checks the size
    // against its own, clearer limit before allocating anything.
    png_set_user_limits(p->png, 0x7fffffffU, 0x7fffffffU);
    // Any chunk other than image data, once decompressed (a zTXt, iTXt or iCCP may hold a
    // compression bomb), may take 8 MiB, the limit the chunk walk before libpng applies to the
    // file's bytes; and at most 1000 such chunks are kept.
    png_set_chunk_malloc_max(p->png, 8u << 20);
    png_set_chunk_cache_max(p->png, 1000);
    // Like Pillow, refuse any chunk before the image data whose CRC is wrong (libpng would
    // merely drop a damaged ancillary chunk).
    png_set_crc_action(p->png, PNG_CRC_DEFAULT, PNG_CRC_ERROR_QUIT);
    png_set_read_fn(p->png, p, reslab_png_read);
    png_read_info(p->png, p->info);
    p->width = png_get_image_width(p->png, p->info);
    p->height = png_get_image_height(p->png, p->info);
    p->bit_depth = png_get_bit_depth(p->png, p->info);
    p->color_type = png_get_color_type(p->png, p->info);
    p->interlace_type = png_get_interlace_type(p->png, p->info);
    p->palette_count = 0;
    png_colorp palette = NULL;
    int count = 0;
    if (png_get_PLTE(p->png, p->info, &palette, &count) & PNG_INFO_PLTE) {
        if (count > 256) count = 256;
        for (int i = 0; i < count; i++) {
            p->palette[3 * i + 0] = palette[i].red;
            p->palette[3 * i + 1] = palette[i].green;
            p->palette[3 * i + 2] = palette[i].blue;
        }
        p->palette_count = count;
    }
    return 0;
}

/// Sets the transformations reslab wants and reports the decoded row layout in `row_bytes`,
/// `channels` and `passes`: samples 1, 2 and 4 bits wide become one byte each (values unchanged),
/// alpha is dropped, and 16-bit samples keep their high byte, except 16-bit gray without
/// alpha, which stays 16-bit big-endian (Pillow clips it rather than shifting it).
/// tRNS, gAMA, cHRM, sBIT and iCCP are all ignored. 0 on success; -1 on failure.
static inline int reslab_png_prepare(reslab_png *p) {
    if (setjmp(png_jmpbuf(p->png))) return -1;
    // Pillow does not check the CRC of IDAT chunks (zlib's own checksum still guards the data).
    png_set_crc_action(p->png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
    if (p->bit_depth < 8) png_set_packing(p->png);
    if (p->color_type & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(p->png);
    if (p->bit_depth == 16 && p->color_type != PNG_COLOR_TYPE_GRAY) png_set_strip_16(p->png);
    p->passes = png_set_interlace_handling(p->png);
    png_read_update_info(p->png, p->info);
    p->row_bytes = png_get_rowbytes(p->png, p->info);
    p->channels = png_get_channels(p->png, p->info);
    return 0;
}

/// Decodes every row into `out`, rows `row_stride` (>= row_bytes) bytes apart; `out` must
/// hold `height` rows. Interlaced images are assembled pass by pass in place. The chunks after
/// the image data are not read, as Pillow does not insist on them either.
/// 0 on success; -1 on failure, with the reason in `message`.
static inline int reslab_png_decode(reslab_png *p, unsigned char *out, size_t row_stride) {
    if (setjmp(png_jmpbuf(p->png))) return -1;
    for (int pass = 0; pass < p->passes; pass++) {
        for (png_uint_32 y = 0; y < p->height; y++) {
            png_read_row(p->png, out + (size_t)y * row_stride, NULL);
        }
    }
    return 0;
}

#endif
