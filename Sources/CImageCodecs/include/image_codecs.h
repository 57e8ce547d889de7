// PNG, JPEG and gzip decoding for AnomalyImage, behind plain return codes: libpng and libjpeg
// report errors by longjmp, which Swift cannot catch, so the jumps end inside these functions.
#ifndef AK_IMAGE_CODECS_H
#define AK_IMAGE_CODECS_H
#include <stddef.h>
#include <stdint.h>

/// What a call returns: 0 on success, otherwise the kind of failure (the message says more).
typedef enum {
    AK_CODEC_OK = 0,
    /// The bytes are damaged or truncated.
    AK_CODEC_CORRUPT = 1,
    /// A valid file of a kind we do not decode (e.g. a 12-bit or arithmetic-coded JPEG).
    AK_CODEC_UNSUPPORTED = 2,
    /// Out of memory, or the output would exceed the caller's limit.
    AK_CODEC_TOO_LARGE = 3,
} ak_codec_status;

/// A decoded image: `channels` is 1 (grey) or 3 (RGB); `pixels` holds height × width × channels
/// bytes, row-major, allocated by the decoder and released with `ak_codec_free`.
typedef struct {
    uint32_t width;
    uint32_t height;
    uint32_t channels;
    uint8_t *pixels;
} ak_image;

/// Decodes a PNG held in memory. Every colour type and bit depth is read: grey, grey + alpha and
/// RGB(A) keep their colour channels (alpha is dropped, not composited); palettes expand to RGB
/// (tRNS ignored); 1/2/4-bit grey scales to 8 bits; 16-bit samples keep their high byte;
/// interlaced images are de-interlaced; gAMA and colour profiles are ignored. Images with more
/// than `max_pixels` pixels are refused before any pixel memory is allocated.
/// On failure `out->pixels` is NULL, nothing is left allocated and `message` (`message_size`
/// bytes, NUL-terminated) says why.
ak_codec_status ak_decode_png(const uint8_t *data, size_t size, uint64_t max_pixels,
                              ak_image *out, char *message, size_t message_size);

/// Decodes a baseline or progressive 8-bit JPEG held in memory (libjpeg defaults: islow IDCT,
/// fancy upsampling). Grey stays grey; YCbCr/RGB become RGB; CMYK/YCCK are read as Adobe
/// (inverted) CMYK and converted to RGB as Pillow does (R = 255 − C' composited with K).
/// A file that ends early is an error, not a grey-filled image. Ownership and errors as
/// `ak_decode_png`.
ak_codec_status ak_decode_jpeg(const uint8_t *data, size_t size, uint64_t max_pixels,
                               ak_image *out, char *message, size_t message_size);

/// Decompresses gzip data (one or more members, as `gzip -d` does) held in memory. On success
/// `*out` holds `*out_size` bytes to release with `ak_codec_free` (a valid non-NULL pointer even
/// when empty); output beyond `max_size` bytes is refused. On failure `*out` is NULL.
ak_codec_status ak_gunzip(const uint8_t *data, size_t size, uint64_t max_size,
                          uint8_t **out, size_t *out_size, char *message, size_t message_size);

/// Releases memory returned by the functions above (NULL is allowed).
void ak_codec_free(void *pointer);

#endif
