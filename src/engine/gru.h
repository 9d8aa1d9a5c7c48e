/* One GRU layer with torch.nn.GRU semantics: gate rows r, z, n;
 * r = s(W_ir x + b_ir + W_hr h + b_hr), z = s(W_iz x + b_iz + W_hz h + b_hz),
 * n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h. */
#ifndef RS_GRU_H
#define RS_GRU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dense.h"

typedef struct rs_gru_layer {
    int input_size;
    int hidden_size;
    rs_dense_layer input;  /* W_ih [3H, input_size], b_ih */
    rs_dense_layer hidden; /* W_hh [3H, H], b_hh */
} rs_gru_layer;

/* gates_in[i, :] = W_ih x_i + b_ih for n rows x (rows ld_x apart) into rows 3H apart: the input half of the
 * gates, which does not depend on the state and so is computed for a whole sequence in one product. */
void rs_gru_input_gates(const rs_gru_layer *layer, const float *x, size_t ld_x, int n, float *gates_in);

/* The element-wise half of a step for one state h (H floats, updated in place) given its input and hidden
 * gates (3H floats each, r, z, n). */
void rs_gru_update(const float *gates_in, const float *gates_h, float *h, int hidden);

/* Advances n states h (rows H apart, updated in place) given their input gates (rows 3H apart).
 * gates_h is scratch of n * 3H floats. */
void rs_gru_step(const rs_gru_layer *layer, const float *gates_in, float *h, int n, float *gates_h);

/* Runs the layer over a sequence of `length` positions whose input gates are precomputed (rows 3H apart),
 * starting from state h (H floats, updated to the final state), forwards or backwards. Writes the state after
 * each position t to out + t * ld_out. gates_h is scratch of 3H floats. */
void rs_gru_sequence(const rs_gru_layer *layer, const float *gates_in, int length, bool reverse, float *h,
                     float *out, size_t ld_out, float *gates_h);

#endif
