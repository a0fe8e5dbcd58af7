// Video Swin's window geometry, shared by swin_window_partition.cu and swin_window_merge.cu (its two directions):
// window size, cyclic shift and the padded volume (each a window multiple) along D, H, W.
#pragma once
#include "mrvs_cuda.h"

struct mrvs_window
{
    int size[3];
    int shift[3];
    int padded[3];
};
