/* PNG row filters (ISO/IEC 15948, section 9) for the command line's exact 16-bit colour codec:
   Pillow narrows 16-bit colour PNG to 8 bits, so imfilt/cli/png.py runs zlib itself and filters
   or unfilters the rows here, one strip of rows at a time (bounded memory, C speed). */
#ifndef IMFILT_PNG_H
#define IMFILT_PNG_H
#include <stddef.h>
#include <stdint.h>

/* Undo the filters of `nrows` rows. A src row is the filter type byte then `row_bytes`
   filtered bytes; src rows are `src_stride` bytes apart, the reconstructed rows go to dst,
   `dst_stride` apart. `prev` is the reconstructed row above the first one (NULL for the image's
   first row, whose row above is zeros); bpp is the bytes of one complete pixel (>= 1).
   Returns IMFILT_OK; IMFILT_EINVAL with *bad_row set when a row's filter type is above 4;
   IMFILT_ENOMEM. */
int imfilt_png_unfilter(const uint8_t *src, ptrdiff_t src_stride, uint8_t *dst,
                        ptrdiff_t dst_stride, size_t nrows, size_t row_bytes, size_t bpp,
                        const uint8_t *prev, size_t *bad_row);

/* Filter `nrows` rows of raw bytes (`raw_stride` apart) into out rows (`out_stride` apart) of
   the filter type byte then `row_bytes` filtered bytes. types[i] (0..4) fixes row i's filter;
   types NULL chooses for each row the filter whose output has the smallest sum of absolute
   values as signed bytes (libpng's heuristic). `prev`, bpp: as for imfilt_png_unfilter.
   Returns IMFILT_OK, IMFILT_EINVAL (a type above 4) or IMFILT_ENOMEM. */
int imfilt_png_filter(const uint8_t *raw, ptrdiff_t raw_stride, uint8_t *out,
                      ptrdiff_t out_stride, size_t nrows, size_t row_bytes, size_t bpp,
                      const uint8_t *prev, const uint8_t *types);

#endif
