/* The portable table once more, with AVX-512's tile geometry (24 accumulators: a tile of six rows takes three
 * panels, where AVX2's and the portable table's take one). It is never chosen to run; it exists so that
 * test_kernels checks the tiling paths of the AVX-512 table on machines without AVX-512, where a slip in
 * kernels.c's cover() once went unseen until an AVX-512 machine gave wrong translations. */
#define RS_PORTABLE_WIDE_TILES
#include "kernels.c"
