// dynamic_mask_head: CondInst mask head with relative coordinates. Per frame t, query q and pixel (i, j): input
// [features of frame t (C), ref.x*img_w - (stride*j + stride/2), ref.y*img_h - (stride*i + stride/2)], then `layers`
// 1x1 convs (ReLU between) with per-query weights/biases from params ([w0, w1, ..., b0, b1, ...], out-major).
// Layout: features [T, C, h, w], params [T, Q, P], ref [T, Q, 2], y [T, Q, h, w].
// Launch: grid (ceil(T*Q*h*w / 128)), block (128), one pixel of one query per thread.
// Limits: C + 2 and the hidden width at most 32; the per-query weights are read from global memory (cached).
#include "mrvs_cuda.h"

extern "C" __global__ void __launch_bounds__(128) dynamic_mask_head(const float* __restrict__ features, const float* __restrict__ params, const float* __restrict__ ref,
                                             float* __restrict__ y, int t, int c, int h, int w, int q, int np, int channels, int layers,
                                             float img_h, float img_w, int stride)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)t * q * h * w) return;
    const int x = (int)(i % w), yy = (int)(i / w % h), qi = (int)(i / ((long long)w * h) % q);
    const int ti = (int)(i / ((long long)w * h * q));
    const float* p = params + ((long long)ti * q + qi) * np;
    const float* r = ref + ((long long)ti * q + qi) * 2;
    float a[32], b[32];
    for (int k = 0; k < c; k++) a[k] = features[(((long long)ti * c + k) * h + yy) * w + x];
    a[c] = r[0] * img_w - (float)(stride * x + stride / 2);
    a[c + 1] = r[1] * img_h - (float)(stride * yy + stride / 2);
    int width = c + 2, weight_offset = 0, bias_offset = 0;
    for (int l = 0; l < layers; l++) weight_offset += (l == 0 ? c + 2 : channels) * (l == layers - 1 ? 1 : channels);
    bias_offset = weight_offset;
    weight_offset = 0;
    for (int l = 0; l < layers; l++)
    {
        const int outs = l == layers - 1 ? 1 : channels;
        for (int o = 0; o < outs; o++)
        {
            float s = 0.0f;
            for (int k = 0; k < width; k++) s += p[weight_offset + o * width + k] * a[k];
            s += p[bias_offset + o];
            b[o] = l < layers - 1 && s < 0.0f ? 0.0f : s;
        }
        weight_offset += outs * width;
        bias_offset += outs;
        for (int o = 0; o < outs; o++) a[o] = b[o];
        width = outs;
    }
    y[i] = a[0];
}
MRVS_EXPORT_INDEPENDENT_KERNEL(dynamic_mask_head)
