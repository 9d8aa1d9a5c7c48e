/* The decoding defaults and limits that the command line and the library share, so that `rnnsearch` and a
 * library caller who sets nothing translate alike. */
#ifndef RS_DEFAULTS_H
#define RS_DEFAULTS_H

#define RS_DEFAULT_BEAM 5
#define RS_DEFAULT_MAX_LENGTH 256
#define RS_DEFAULT_MAX_LENGTH_FACTOR 3.0
#define RS_DEFAULT_LENGTH_PENALTY 0.6
#define RS_DEFAULT_BATCH_SIZE 32
#define RS_MAX_BATCH_SIZE 65536 /* larger --batch-size values count as this */
#define RS_DEFAULT_MAX_SOURCE_TOKENS 1024
#define RS_MAX_THREADS 256 /* larger --threads values count as this */

#endif
