using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>Mirrors struct mrvs_window in kernels/include/mrvs_swin_window.h: the window geometry of the kernels that
/// read or write tokens in window order.</summary>
internal struct SwinWindowGeometry
{
    public Three Size;
    public Three Shift;
    public Three Padded;

    /// <summary>The geometry of <paramref name="window"/> over a [D, H, W, …] <paramref name="volume"/>.</summary>
    public static SwinWindowGeometry Of(SwinWindow window, ReadOnlySpan<int> volume)
    {
        var g = new SwinWindowGeometry();
        for (int i = 0; i < 3; i++)
        {
            g.Size[i] = window.Size[i];
            g.Shift[i] = window.Shift[i];
            g.Padded[i] = window.Padded(i, volume[i]);
        }
        return g;
    }

    /// <summary>
    /// Launches <paramref name="kernel"/> over the [D, H, W, C] <paramref name="volume"/>, one thread per element of y:
    /// <paramref name="buffers"/> adds the kernel's pointers, the element count, volume and geometry follow.
    /// </summary>
    public static void Launch(KernelLaunches k, string kernel, SwinWindow window, int[] volume, DeviceTensor y,
        Action<KernelArgs> buffers)
    {
        var g = Of(window, volume);
        k.Launch(kernel, Grid(y.Elements), new Dim3(Threads), a =>
        {
            buffers(a);
            a.Add(y.Elements).Add(volume[0]).Add(volume[1]).Add(volume[2]).Add(volume[3]).Add(g);
        });
    }
}

/// <summary>Mirrors struct mrvs_window_store in kernels/include/mrvs_swin_window.h: where window_attention.cu stores
/// its rows (window order, or with the window merge folded in, the tokens of the unpadded volume).</summary>
internal struct SwinWindowStore
{
    public SwinWindowGeometry Geometry;
    public int Depth, Height, Width;
    public int Merged;

    /// <summary>The stores of <paramref name="merge"/>, or window order (all zero) when it is null.</summary>
    public static SwinWindowStore Of(SwinWindowMergeOp? merge) =>
        merge is null ? default
            : new SwinWindowStore
            {
                Geometry = SwinWindowGeometry.Of(merge.Window, [merge.Depth, merge.Height, merge.Width]),
                Depth = merge.Depth,
                Height = merge.Height,
                Width = merge.Width,
                Merged = 1,
            };
}
