#include "image_codecs.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>
#include <zlib.h>

void ak_codec_free(void *pointer) { free(pointer); }

/// Writes a formatted message into the caller's buffer (always NUL-terminated when it has room).
static void put_message(char *message, size_t size, const char *format, ...) {
    if (message == NULL || size == 0) return;
    va_list args;
    va_start(args, format);
    vsnprintf(message, size, format, args);
    va_end(args);
}

/// Allocates width × height × channels bytes, or NULL when the product overflows size_t.
static uint8_t *alloc_pixels(uint32_t width, uint32_t height, uint32_t channels) {
    size_t row = (size_t)width * channels;
    if (height != 0 && row > SIZE_MAX / height) return NULL;
    return malloc(row * height == 0 ? 1 : row * height);
}

// MARK: - PNG

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t position;
    ak_codec_status status;
    char *message;
    size_t message_size;
} png_context;

static void png_on_error(png_structp png, png_const_charp text) {
    png_context *context = png_get_error_ptr(png);
    put_message(context->message, context->message_size, "%s", text);
    png_longjmp(png, 1);
}

/// Warnings (bad ancillary chunks, unknown profiles) do not stop decoding, as in Pillow.
static void png_on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void png_read_memory(png_structp png, png_bytep out, png_size_t count) {
    png_context *context = png_get_io_ptr(png);
    if (count > context->size - context->position) {
        png_error(png, "the file ends early (truncated PNG)");
    }
    memcpy(out, context->data + context->position, count);
    context->position += count;
}

ak_codec_status ak_decode_png(const uint8_t *data, size_t size, uint64_t max_pixels,
                              ak_image *out, char *message, size_t message_size) {
    out->width = out->height = out->channels = 0;
    out->pixels = NULL;
    put_message(message, message_size, "%s", "");
    png_context context = {data, size, 0, AK_CODEC_CORRUPT, message, message_size};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, png_on_error, png_on_warning);
    if (png == NULL) {
        put_message(message, message_size, "out of memory");
        return AK_CODEC_TOO_LARGE;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        put_message(message, message_size, "out of memory");
        return AK_CODEC_TOO_LARGE;
    }
    // Written after setjmp and read after a longjmp: volatile, so they are not cached in registers.
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return context.status;
    }
    png_set_read_fn(png, &context, png_read_memory);
    png_read_info(png, info);
    png_uint_32 width = 0, height = 0;
    int depth = 0, color = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &depth, &color, &interlace, NULL, NULL);
    if ((uint64_t)width * height > max_pixels) {
        context.status = AK_CODEC_TOO_LARGE;
        png_error(png, "the image has too many pixels");
    }
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16) png_set_strip_16(png);  // the high byte, as Pillow's "RGB;16B" unpacker
    if (color & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    // libpng may still hand back an alpha channel (a palette with tRNS): drop it while copying.
    uint32_t decoded = png_get_channels(png, info);
    uint32_t channels = (decoded <= 2) ? 1 : 3;
    size_t row_bytes = png_get_rowbytes(png, info);
    if (row_bytes != (size_t)width * decoded) png_error(png, "unexpected PNG row layout");
    pixels = alloc_pixels(width, height, decoded);
    rows = malloc(sizeof(png_bytep) * (height == 0 ? 1 : height));
    if (pixels == NULL || rows == NULL) {
        context.status = AK_CODEC_TOO_LARGE;
        png_error(png, "out of memory");
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + (size_t)y * row_bytes;
    png_read_image(png, rows);
    if (decoded != channels) {
        // Compacting in place: each write lands at or before the byte it reads.
        size_t count = (size_t)width * height;
        uint8_t *p = pixels;
        for (size_t i = 0; i < count; i++) {
            for (uint32_t c = 0; c < channels; c++) p[i * channels + c] = p[i * decoded + c];
        }
    }
    free(rows);
    rows = NULL;
    png_destroy_read_struct(&png, &info, NULL);
    out->width = width;
    out->height = height;
    out->channels = channels;
    out->pixels = pixels;
    return AK_CODEC_OK;
}

// MARK: - JPEG

typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    ak_codec_status status;
    char *message;
    size_t message_size;
} jpeg_context;

static void jpeg_on_error(j_common_ptr cinfo) {
    jpeg_context *context = (jpeg_context *)cinfo->err;
    switch (cinfo->err->msg_code) {
    case JERR_BAD_PRECISION:
    case JERR_SOF_UNSUPPORTED:
    case JERR_NOT_COMPILED:
    case JERR_CONVERSION_NOTIMPL:
        context->status = AK_CODEC_UNSUPPORTED;
        break;
    case JERR_OUT_OF_MEMORY:
        context->status = AK_CODEC_TOO_LARGE;
        break;
    default:
        break;
    }
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    put_message(context->message, context->message_size, "%s", text);
    longjmp(context->jump, 1);
}

/// A file that runs out of data is an error (libjpeg would only warn and fill the rest with grey,
/// where Pillow raises "image file is truncated"); other warnings are ignored, as Pillow does.
static void jpeg_on_message(j_common_ptr cinfo, int level) {
    if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        jpeg_context *context = (jpeg_context *)cinfo->err;
        context->status = AK_CODEC_CORRUPT;
        put_message(context->message, context->message_size, "the file ends early (truncated JPEG)");
        longjmp(context->jump, 1);
    }
}

/// Pillow's CMYK → RGB (Convert.c `cmyk2rgb`) on Adobe-inverted samples (Pillow's "CMYK;I").
static void jpeg_cmyk_row_to_rgb(const uint8_t *in, uint8_t *out, uint32_t width) {
    for (uint32_t x = 0; x < width; x++) {
        int k = 255 - in[3];
        int nk = 255 - k;
        for (int c = 0; c < 3; c++) {
            int v = 255 - in[c];
            int t = v * nk + 128;
            int product = ((t >> 8) + t) >> 8;
            int r = nk - product;
            out[c] = (uint8_t)(r < 0 ? 0 : (r > 255 ? 255 : r));
        }
        in += 4;
        out += 3;
    }
}

ak_codec_status ak_decode_jpeg(const uint8_t *data, size_t size, uint64_t max_pixels,
                               ak_image *out, char *message, size_t message_size) {
    out->width = out->height = out->channels = 0;
    out->pixels = NULL;
    put_message(message, message_size, "%s", "");
    if (size > ULONG_MAX) {
        put_message(message, message_size, "the file is too large");
        return AK_CODEC_TOO_LARGE;
    }
    struct jpeg_decompress_struct cinfo;
    jpeg_context context;
    memset(&cinfo, 0, sizeof cinfo);
    memset(&context, 0, sizeof context);
    cinfo.err = jpeg_std_error(&context.manager);
    context.manager.error_exit = jpeg_on_error;
    context.manager.emit_message = jpeg_on_message;
    context.status = AK_CODEC_CORRUPT;
    context.message = message;
    context.message_size = message_size;
    uint8_t *volatile pixels = NULL;
    uint8_t *volatile cmyk_row = NULL;
    if (setjmp(context.jump)) {
        free(pixels);
        free(cmyk_row);
        jpeg_destroy_decompress(&cinfo);
        return context.status;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if ((uint64_t)cinfo.image_width * cinfo.image_height > max_pixels) {
        put_message(message, message_size, "the image has too many pixels");
        context.status = AK_CODEC_TOO_LARGE;
        longjmp(context.jump, 1);
    }
    uint32_t channels = 3;
    int cmyk = 0;
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo.out_color_space = JCS_GRAYSCALE;
        channels = 1;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        cinfo.out_color_space = JCS_RGB;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        cinfo.out_color_space = JCS_CMYK;
        cmyk = 1;
        break;
    default:
        put_message(message, message_size, "unsupported JPEG colour space with %d components",
                    cinfo.num_components);
        context.status = AK_CODEC_UNSUPPORTED;
        longjmp(context.jump, 1);
    }
    jpeg_start_decompress(&cinfo);
    uint32_t width = cinfo.output_width, height = cinfo.output_height;
    pixels = alloc_pixels(width, height, channels);
    if (cmyk) cmyk_row = malloc((size_t)width * 4 + 1);
    if (pixels == NULL || (cmyk && cmyk_row == NULL)) {
        put_message(message, message_size, "out of memory");
        context.status = AK_CODEC_TOO_LARGE;
        longjmp(context.jump, 1);
    }
    size_t stride = (size_t)width * channels;
    while (cinfo.output_scanline < height) {
        uint8_t *row = pixels + (size_t)cinfo.output_scanline * stride;
        JSAMPROW target = cmyk ? cmyk_row : row;
        if (jpeg_read_scanlines(&cinfo, &target, 1) != 1) {
            put_message(message, message_size, "the file ends early (truncated JPEG)");
            longjmp(context.jump, 1);
        }
        if (cmyk) jpeg_cmyk_row_to_rgb(cmyk_row, row, width);
    }
    free(cmyk_row);
    cmyk_row = NULL;
    jpeg_destroy_decompress(&cinfo);  // abandons the rest (trailing markers), as Pillow does
    out->width = width;
    out->height = height;
    out->channels = channels;
    out->pixels = pixels;
    return AK_CODEC_OK;
}

// MARK: - gzip

ak_codec_status ak_gunzip(const uint8_t *data, size_t size, uint64_t max_size,
                          uint8_t **out, size_t *out_size, char *message, size_t message_size) {
    *out = NULL;
    *out_size = 0;
    put_message(message, message_size, "%s", "");
    if (max_size > SIZE_MAX - 1) max_size = SIZE_MAX - 1;
    // The last member's trailer holds its size modulo 2^32: a good first guess for one member.
    size_t capacity = 1 << 16;
    if (size >= 18) {
        const uint8_t *t = data + size - 4;
        uint32_t hint = (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 | (uint32_t)t[3] << 24;
        if (hint > 0 && hint <= max_size) capacity = (size_t)hint + 1;
    }
    if (capacity > max_size + 1) capacity = (size_t)max_size + 1;
    uint8_t *buffer = malloc(capacity);
    if (buffer == NULL) {
        put_message(message, message_size, "out of memory");
        return AK_CODEC_TOO_LARGE;
    }
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) {
        free(buffer);
        put_message(message, message_size, "cannot start zlib");
        return AK_CODEC_TOO_LARGE;
    }
    size_t consumed = 0, produced = 0;
    ak_codec_status status = AK_CODEC_OK;
    for (;;) {
        if (produced == capacity) {
            if (capacity > max_size) {
                put_message(message, message_size, "the decompressed data exceeds %llu bytes",
                            (unsigned long long)max_size);
                status = AK_CODEC_TOO_LARGE;
                break;
            }
            size_t grown = capacity > (max_size + 1) / 2 ? (size_t)max_size + 1 : capacity * 2;
            uint8_t *larger = realloc(buffer, grown);
            if (larger == NULL) {
                put_message(message, message_size, "out of memory");
                status = AK_CODEC_TOO_LARGE;
                break;
            }
            buffer = larger;
            capacity = grown;
        }
        size_t in_left = size - consumed, out_left = capacity - produced;
        stream.next_in = (Bytef *)(data + consumed);
        stream.avail_in = in_left > UINT_MAX ? UINT_MAX : (uInt)in_left;
        stream.next_out = buffer + produced;
        stream.avail_out = out_left > UINT_MAX ? UINT_MAX : (uInt)out_left;
        uInt in_before = stream.avail_in, out_before = stream.avail_out;
        int result = inflate(&stream, Z_NO_FLUSH);
        consumed += in_before - stream.avail_in;
        produced += out_before - stream.avail_out;
        if (result == Z_STREAM_END) {
            // Another member follows (as `cat a.gz b.gz`): continue; anything else ends the data.
            if (size - consumed >= 2 && data[consumed] == 0x1f && data[consumed + 1] == 0x8b) {
                inflateReset(&stream);
                continue;
            }
            break;
        }
        if (result == Z_OK) continue;
        if (result == Z_BUF_ERROR && stream.avail_out == 0) continue;
        if (result == Z_BUF_ERROR) {
            put_message(message, message_size, "the gzip data ends early (truncated file)");
        } else if (result == Z_MEM_ERROR) {
            put_message(message, message_size, "out of memory");
            status = AK_CODEC_TOO_LARGE;
            break;
        } else {
            put_message(message, message_size, "corrupt gzip data (%s)", stream.msg ? stream.msg : "zlib error");
        }
        status = AK_CODEC_CORRUPT;
        break;
    }
    inflateEnd(&stream);
    if (status != AK_CODEC_OK) {
        free(buffer);
        return status;
    }
    *out = buffer;
    *out_size = produced;
    return AK_CODEC_OK;
}
