// valid_ratio: (unpadded columns of row 0 / W, unpadded rows of column 0 / H) of a mask [N, H, W] (bytes, 1 = padded).
// Output [N, 2]. Launch: grid (ceil(N / 128)), block (128), one image per thread.
#include "mrvs_cuda.h"

extern "C" __global__ void __launch_bounds__(128) valid_ratio(const unsigned char* __restrict__ mask,
    float* __restrict__ y, int n, int h, int w)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    const unsigned char* m = mask + (long long)i * h * w;
    int rows = 0, cols = 0;
    for (int r = 0; r < h; r++) rows += m[(long long)r * w] == 0;
    for (int c = 0; c < w; c++) cols += m[c] == 0;
    y[2 * i] = (float)cols / w;
    y[2 * i + 1] = (float)rows / h;
}
MRVS_EXPORT_INDEPENDENT_KERNEL(valid_ratio)
