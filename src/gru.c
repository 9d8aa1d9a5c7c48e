#include "gru.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "ops.h"
#include "simd.h"

void rs_gru_input_gates(const rs_gru_layer *layer, const float *x, size_t ld_x, int n, float *gates_in)
{
    int g = 3 * layer->hidden_size;
    rs_linear_h(gates_in, (size_t)g, x, ld_x, n, layer->weight_ih, layer->weight_ih_half, g, layer->input_size,
                layer->bias_ih);
}

/* The element-wise half of a step for one row. */
static void update_row(const float *gi, const float *gh, float *h, int hidden)
{
    const float *gi_r = gi, *gi_z = gi + hidden, *gi_n = gi + 2 * hidden;
    const float *gh_r = gh, *gh_z = gh + hidden, *gh_n = gh + 2 * hidden;
    for (int k = 0; k < hidden; k++) {
        float r = rs_sigmoid(gi_r[k] + gh_r[k]);
        float z = rs_sigmoid(gi_z[k] + gh_z[k]);
        float n = tanhf(gi_n[k] + r * gh_n[k]);
        h[k] = (1.0f - z) * n + z * h[k];
    }
}

void rs_gru_update(const float *gi, const float *gh, float *h, int hidden)
{
    (rs_simd_available() ? rs_simd_gru_update : update_row)(gi, gh, h, hidden);
}

void rs_gru_step(const rs_gru_layer *layer, const float *gates_in, float *h, int n, float *gates_h)
{
    int hidden = layer->hidden_size;
    int g = 3 * hidden;
    rs_linear_h(gates_h, (size_t)g, h, (size_t)hidden, n, layer->weight_hh, layer->weight_hh_half, g, hidden,
                layer->bias_hh);
    bool simd = rs_simd_available();
    for (int i = 0; i < n; i++)
        (simd ? rs_simd_gru_update : update_row)(gates_in + (size_t)i * g, gates_h + (size_t)i * g, h + (size_t)i * hidden, hidden);
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
