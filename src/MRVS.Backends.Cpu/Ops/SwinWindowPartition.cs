using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="SwinWindowPartitionOp"/>: one token (C channels) per work item.</summary>
public sealed unsafe class SwinWindowPartition : CpuKernel<SwinWindowPartitionOp>
{
    protected override void Run(SwinWindowPartitionOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var x = inputs[0];
        int d = x.Dim(0), h = x.Dim(1), w = x.Dim(2), c = x.Dim(3);
        var geo = SwinWindowGeometry.Of(op.Window, d, h, w);
        nint px = x.Ptr, py = output.Ptr;
        CpuParallel.For(output.Dim(0) * (long)output.Dim(1), row =>
        {
            long source = geo.SourceToken(row, d, h, w);
            var dst = new Span<float>((float*)py + row * c, c);
            if (source >= 0) new ReadOnlySpan<float>((float*)px + source * c, c).CopyTo(dst);
            else dst.Clear();
        }, minPerThread: 256);
    }
}

/// <summary>
/// Index arithmetic of a shifted, padded window partition (shared by partition, merge and the windowed LayerNorm;
/// kernels/include/mrvs_swin_window.h is the kernels' copy).
/// </summary>
public readonly record struct SwinWindowGeometry(int[] Size, int[] Shift, int Dp, int Hp, int Wp, int NH, int NW)
{
    public int Tokens => Size[0] * Size[1] * Size[2];

    public static SwinWindowGeometry Of(SwinWindow win, int d, int h, int w) =>
        new(win.Size, win.Shift, win.Padded(0, d), win.Padded(1, h), win.Padded(2, w), win.Padded(1, h) / win.Size[1],
            win.Padded(2, w) / win.Size[2]);

    /// <summary>
    /// Coordinates in the unshifted padded volume of token <paramref name="n"/> of window <paramref name="window"/> (a
    /// roll by −shift).
    /// </summary>
    public (int D, int H, int W) Source(int window, int n)
    {
        int wz = window / (NH * NW), wy = window / NW % NH, wx = window % NW;
        int z = n / (Size[1] * Size[2]), y = n / Size[2] % Size[1], x = n % Size[2];
        return ((wz * Size[0] + z + Shift[0]) % Dp, (wy * Size[1] + y + Shift[1]) % Hp,
            (wx * Size[2] + x + Shift[2]) % Wp);
    }

    /// <summary>
    /// Row <paramref name="row"/> of the windows [nW, N, C] → its token (z·H + y)·W + x of the unpadded [D, H, W]
    /// volume, or −1 for a padding token.
    /// </summary>
    public long SourceToken(long row, int d, int h, int w)
    {
        var (z, y, x) = Source((int)(row / Tokens), (int)(row % Tokens));
        return z < d && y < h && x < w ? ((long)z * h + y) * w + x : -1;
    }

    /// <summary>Window and token holding volume position (d, h, w) after the roll by −shift.</summary>
    public (int Window, int Token) Locate(int d, int h, int w)
    {
        int sd = (d - Shift[0] + Dp) % Dp, sh = (h - Shift[1] + Hp) % Hp, sw = (w - Shift[2] + Wp) % Wp;
        int window = (sd / Size[0] * NH + sh / Size[1]) * NW + sw / Size[2];
        return (window, ((sd % Size[0]) * Size[1] + sh % Size[1]) * Size[2] + sw % Size[2]);
    }
}
