// attention: multi-head scaled dot-product attention on projected, batch-first tensors.
// Layout: q [B, Lq, E], k [B, Lk, E], v [B, Lk, Ev], y [B, Lq, Ev]; head h owns channels [h*E/H, (h+1)*E/H).
// key_padding [B, Lk] (bytes, 1 = ignore) and additive [Lq, Lk] are optional (null).
// scale_scores = 0: q is scaled before QK^T (nn.MultiheadAttention); 1: QK^T is divided afterwards (RoBERTa).
// Launch: grid (ceil(B*H*Lq / 128)), block (128): one query row per thread, online softmax in registers.
// Limits: head dims at most 128.
#include "mrvs_cuda.h"

extern "C" __global__ void __launch_bounds__(128) attention(const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
                                     const unsigned char* __restrict__ key_padding, const float* __restrict__ additive,
                                     float* __restrict__ y, int batch, int heads, int lq, int lk, int e, int ev, int scale_scores)
{
    const long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (long long)batch * heads * lq) return;
    const int i = (int)(idx % lq), h = (int)(idx / lq % heads), b = (int)(idx / lq / heads);
    const int dh = e / heads, dv = ev / heads;
    const float scale = rsqrtf((float)dh);
    float qs[128], acc[128];
    const float* qr = q + ((long long)b * lq + i) * e + h * dh;
    for (int c = 0; c < dh; c++) qs[c] = scale_scores ? qr[c] : qr[c] * scale;
    for (int c = 0; c < dv; c++) acc[c] = 0.0f;
    float m = MRVS_NEG_INF, sum = 0.0f;
    for (int j = 0; j < lk; j++)
    {
        if (key_padding && key_padding[(long long)b * lk + j]) continue;
        const float* kr = k + ((long long)b * lk + j) * e + h * dh;
        float s = 0.0f;
        for (int c = 0; c < dh; c++) s += qs[c] * kr[c];
        if (scale_scores) s *= scale;
        if (additive) s += additive[(long long)i * lk + j];
        float p;
        const float correction = mrvs_online_softmax(s, m, sum, p);
        const float* vr = v + ((long long)b * lk + j) * ev + h * dv;
        for (int c = 0; c < dv; c++) acc[c] = acc[c] * correction + p * vr[c];
    }
    float* yr = y + ((long long)b * lq + i) * ev + h * dv;
    for (int c = 0; c < dv; c++) yr[c] = acc[c] / sum;
}
MRVS_EXPORT_INDEPENDENT_KERNEL(attention)
