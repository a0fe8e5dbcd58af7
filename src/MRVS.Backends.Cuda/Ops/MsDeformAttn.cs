using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/ms_deform_attn.cu for <see cref="MsDeformAttnOp"/>: ceil(D / 4) threads per (image, head, query), as many
/// items as fit a block of 128 per pass, 16 passes over consecutive items (one head's queries) per block; the fused
/// form at 4 levels × 4 points runs the entry with both unrolled. The level table is uploaded once per op, with the
/// queries' order in tiles (<see cref="QueryTiles"/>) for the encoder's queries, which are the value's own pixels.
/// Stored in 16 bits where only GEMMs read the result (the output projection's; <see cref="NarrowedActivations"/>).
/// </summary>
public sealed class MsDeformAttn : CudaKernel<MsDeformAttnOp>
{
    // Passes per block: 16 × 16 items = 256 queries of one head at D = 32 (RESULTS.md, "gather": 1, 8, 16 and 32
    // measured by the counters on the trained demo model; 16 still gives SOC++ at 8 × 360×640 about 1,200 blocks per
    // encoder layer, more than an H100 holds at once at this kernel's 8 blocks per SM).
    private const int BlockThreads = 128, ChannelsPerThread = 4, Run = 16;

    /// <summary>A block's run of 256 queries of one head covers a tile of 16 × 16 pixels of its level (RESULTS.md).
    /// </summary>
    private const int TileRows = 16, TileColumns = 16;

    protected override void Launch(KernelLaunches k, MsDeformAttnOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var v = x[0];
        bool fused = MsDeformAttnOp.IsFused(x[1].Type.Rank);
        int n = v.Dim(0), s = v.Dim(1), m = v.Dim(2), d = v.Dim(3), lq = y.Dim(1), levels = op.LevelShapes.Length;
        int points = op.Points(v.Type, x[1].Type);
        long items = (long)n * lq * m;
        int groups = (d + ChannelsPerThread - 1) / ChannelsPerThread, perBlock = BlockThreads / groups;
        long itemsPerBlock = (long)perBlock * Run;
        var grid = new Dim3((uint)((items + itemsPerBlock - 1) / itemsPerBlock));
        var block = new Dim3(BlockThreads);
        nint table = k.LevelTable(op, op.LevelShapes, QueryTiles(op.LevelShapes));
        nint order = lq == s ? table + 3 * levels * sizeof(int) : 0;
        nint pv = v.Ptr, p1 = x[1].Ptr, p2 = x[2].Ptr, py = y.Ptr;
        int store = KernelLaunches.StoreType(y.Type.DType);
        if (!fused)
        {
            k.Launch("ms_deform_attn", grid, block,
                a => a.Ptr(pv).Ptr(table).Ptr(order).Ptr(p1).Ptr(p2).Ptr(py).Add(store).Add(items).Add(Run).Add(s)
                    .Add(m).Add(d).Add(lq).Add(levels).Add(points));
            return;
        }
        int refDims = x[2].Dim(3);
        k.Launch(levels == 4 && points == 4 ? "ms_deform_attn_fused_l4p4" : "ms_deform_attn_fused", grid, block,
            a => a.Ptr(pv).Ptr(table).Ptr(order).Ptr(p1).Ptr(p2).Ptr(py).Add(store).Add(items).Add(Run).Add(s).Add(m)
                .Add(d).Add(lq).Add(levels).Add(points).Add(refDims));
    }

    /// <summary>
    /// The pixels of every level in tiles of <see cref="TileRows"/> × <see cref="TileColumns"/> (tiles row by row,
    /// pixels row by row inside a tile; partial tiles at the edges), as indices into the concatenated levels: the order
    /// in which the kernel takes the encoder's queries, so that a block's run is a square-ish patch whose samples
    /// share value pixels, not a strip of one row that shares them with the blocks of the rows above and below.
    /// </summary>
    internal static IEnumerable<int> QueryTiles(int[][] shapes)
    {
        var starts = MsDeformAttnOp.LevelStarts(shapes);
        for (int l = 0; l < shapes.Length; l++)
        {
            int h = shapes[l][0], w = shapes[l][1];
            for (int ty = 0; ty < h; ty += TileRows)
                for (int tx = 0; tx < w; tx += TileColumns)
                    for (int y = ty; y < Math.Min(h, ty + TileRows); y++)
                        for (int x = tx; x < Math.Min(w, tx + TileColumns); x++)
                            yield return starts[l] + y * w + x;
        }
    }

    public override bool WritesNarrowed(Node node) => true;
}
