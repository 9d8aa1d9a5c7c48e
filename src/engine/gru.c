#include "gru.h"

#include <string.h>

#include "ops.h"

void rs_gru_input_gates(const rs_gru_layer *layer, const float *x, size_t ld_x, int n, float *gates_in)
{
    rs_dense_ld(gates_in, 3 * (size_t)layer->hidden_size, x, ld_x, n, &layer->input);
}

void rs_gru_update(const float *gi, const float *gh, float *h, int hidden)
{
    rs_gru_cell(gi, gh, h, hidden);
}

void rs_gru_step(const rs_gru_layer *layer, const float *gates_in, float *h, int n, float *gates_h)
{
    int hidden = layer->hidden_size;
    size_t g = 3 * (size_t)hidden;
    rs_dense(gates_h, h, n, &layer->hidden);
    for (int i = 0; i < n; i++)
        rs_gru_cell(gates_in + (size_t)i * g, gates_h + (size_t)i * g, h + (size_t)i * (size_t)hidden, hidden);
}
void rs_gru_sequence(const rs_gru_layer *layer, const float *gates_in, int length, bool reverse, float *h,
                     float *out, size_t ld_out, float *gates_h)
{
    int hidden = layer->hidden_size;
    size_t g = 3 * (size_t)hidden;
    for (int step = 0; step < length; step++) {
        int t = reverse ? length - 1 - step : step;
        rs_gru_step(layer, gates_in + (size_t)t * g, h, 1, gates_h);
        memcpy(out + (size_t)t * ld_out, h, (size_t)hidden * sizeof *h);
    }
}
