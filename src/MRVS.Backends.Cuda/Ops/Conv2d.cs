using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/conv2d.cu for <see cref="Conv2dOp"/>: one implicit-GEMM launch over all images, bias in its epilogue,
/// FP32 in every precision; the entry point whose channel tile (8, 16, 32, 64) moves the fewest bytes
/// (<see cref="ChannelTile"/>).
/// A 1×1 stride-1 convolution without padding is a plain GEMM per image (W·x[img], x read in place): it goes to the
/// backend's GEMM (cuBLAS at its FP32 efficiency, tensor cores in fp16/bf16) as one strided-batched call, then
/// conv2d_bias.
/// </summary>
public sealed class Conv2d : CudaKernel<Conv2dOp>
{
    private static readonly int[] ChannelTiles = [8, 16, 32, 64];

    /// <summary>Outputs per block (pixels × channels), as <c>MRVS_CONV_OUTPUTS</c> in the kernel.</summary>
    private const int TileOutputs = 4096;

    protected override void Launch(KernelLaunches k, Conv2dOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var (input, w) = (x[0], x[1]);
        int n = input.Dim(0), cin = input.Dim(1), h = input.Dim(2), wd = input.Dim(3), cout = w.Dim(0), kh = w.Dim(2),
            kw = w.Dim(3), oh = y.Dim(2), ow = y.Dim(3);
        nint bias = x.Length == 3 ? x[2].Ptr : 0;
        if (kh == 1 && kw == 1 && op.Stride == 1 && op.Padding == 0)
        {
            long plane = (long)h * wd;
            k.Gemm.Run(w.Ptr, input.Ptr, y.Ptr, cout, (int)plane, cin, transposeB: false, 1f, n, 0, cin * plane,
                cout * plane);
            if (bias != 0)
                k.Launch("conv2d_bias", Grid(y.Elements), new Dim3(Threads),
                    a => a.Ptr(y.Ptr).Ptr(bias).Add(y.Elements).Add(plane).Add(cout));
            return;
        }
        int channels = ChannelTile((long)oh * ow, cout, w.Elements, input.Elements / n);
        int pixels = TileOutputs / channels;
        var grid = new Dim3(Dim3.Blocks((long)n * oh * ow, (uint)pixels).X, Dim3.Blocks(cout, (uint)channels).X);
        k.Launch($"conv2d_{channels}", grid,
            new Dim3(Threads), a => a.Ptr(input.Ptr).Ptr(w.Ptr).Ptr(bias).Ptr(y.Ptr).Add(n).Add(cin).Add(h).Add(wd)
                .Add(cout).Add(kh).Add(kw).Add(op.Stride).Add(op.Padding).Add(oh).Add(ow));
    }

    /// <summary>
    /// The channel tile BN whose launch reads the fewest bytes: a block reads its channels' W rows and its pixels'
    /// input, so the launch reads W once per pixel tile, ceil(pixels / BM) times, and x once per channel tile,
    /// ceil(Cout / BN) times, with BM = 4096 / BN (the block's outputs fixed, and with them its registers and its 4
    /// multiply-adds per shared-memory load). Narrow channel tiles, wide pixel tiles, for convs whose W is large next
    /// to their x (SOC++'s FPN layers at stride 32 and 16: 256·9 weights per output channel, few pixels); never wider
    /// than the smallest tile that holds Cout (lanes on channels that do not exist); a tie goes to the wider tile.
    /// Chosen for one image's pixels and input, so that a node's kernel does not change with the number of frames
    /// (the counters' extrapolation from 1 and 2 frames assumes it; both terms grow with the images alike).
    /// </summary>
    internal static int ChannelTile(long pixels, int cout, long weights, long inputs)
    {
        int widest = ChannelTiles.FirstOrDefault(c => c >= cout, ChannelTiles[^1]);
        return ChannelTiles.Where(c => c <= widest).Reverse()
            .MinBy(c => weights * Tiles(pixels, TileOutputs / c) + inputs * Tiles(cout, c));
    }

    private static long Tiles(long count, int tile) => (count + tile - 1) / tile;
}
