using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/ms_deform_attn.cu for <see cref="MsDeformAttnOp"/>: ceil(D / 4) threads per (image, head, query), as many
/// items as fit a block of 128 at a time, one head's queries per block: the encoder's (the value's own pixels) by
/// regions of the image (<see cref="QueryRegions"/>, uploaded once per op with the level table), others in runs of
/// 16 passes. The fused form at 4 levels × 4 points runs the entry with both unrolled. Stored in 16 bits where only
/// GEMMs read the result (the output projection's; <see cref="NarrowedActivations"/>).
/// </summary>
public sealed class MsDeformAttn : CudaKernel<MsDeformAttnOp>
{
    // Passes per block where the queries are not the value's pixels: 16 × 16 items = 256 queries of one head at
    // D = 32 (RESULTS.md, "gather": 1, 8, 16 and 32 measured by the counters on the trained demo model).
    private const int BlockThreads = 128, ChannelsPerThread = 4, Run = 16;

    /// <summary>The encoder's block takes the queries of an area of 12 × 16 level-0 pixels, about 255 queries of
    /// one head over the four levels (RESULTS.md: 16 × 16 measured too); SOC++ at 8 × 360×640 gets 1,280 blocks per
    /// encoder layer, more than an H100 holds at once at this kernel's 9 blocks per SM.</summary>
    private const int RegionRows = 12, RegionColumns = 16;

    protected override void Launch(KernelLaunches k, MsDeformAttnOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var v = x[0];
        bool fused = MsDeformAttnOp.IsFused(x[1].Type.Rank);
        int n = v.Dim(0), s = v.Dim(1), m = v.Dim(2), d = v.Dim(3), lq = y.Dim(1), levels = op.LevelShapes.Length;
        int points = op.Points(v.Type, x[1].Type);
        long items = (long)n * lq * m;
        int groups = (d + ChannelsPerThread - 1) / ChannelsPerThread, perBlock = BlockThreads / groups;
        long itemsPerBlock = (long)perBlock * Run;
        // The encoder's order and regions' offsets, made (lazily) when the table is first uploaded; the decoder's
        // table has none.
        bool regions = lq == s;
        nint table = k.LevelTable(op, op.LevelShapes, regions ? QueryRegions(op.LevelShapes) : null);
        int regionCount = regions ? RegionCount(op.LevelShapes) : 0;
        nint orderPtr = regions ? table + 3 * levels * sizeof(int) : 0;
        nint regionsPtr = regions ? orderPtr + s * sizeof(int) : 0;
        var grid = new Dim3(regions ? (uint)((long)n * m * regionCount)
            : (uint)((items + itemsPerBlock - 1) / itemsPerBlock));
        var block = new Dim3(BlockThreads);
        nint pv = v.Ptr, p1 = x[1].Ptr, p2 = x[2].Ptr, py = y.Ptr;
        int store = KernelLaunches.StoreType(y.Type.DType);
        if (!fused)
        {
            k.Launch("ms_deform_attn", grid, block,
                a => a.Ptr(pv).Ptr(table).Ptr(orderPtr).Ptr(regionsPtr).Add(regionCount).Ptr(p1).Ptr(p2).Ptr(py)
                    .Add(store).Add(items).Add(Run).Add(s).Add(m).Add(d).Add(lq).Add(levels).Add(points));
            return;
        }
        int refDims = x[2].Dim(3);
        k.Launch(levels == 4 && points == 4 ? "ms_deform_attn_fused_l4p4" : "ms_deform_attn_fused", grid, block,
            a => a.Ptr(pv).Ptr(table).Ptr(orderPtr).Ptr(regionsPtr).Add(regionCount).Ptr(p1).Ptr(p2).Ptr(py)
                .Add(store).Add(items).Add(Run).Add(s).Add(m).Add(d).Add(lq).Add(levels).Add(points).Add(refDims));
    }

    /// <summary>
    /// The encoder's queries (every pixel of every level, as indices into the concatenated levels) grouped by area of
    /// the image: regions of <see cref="RegionRows"/> × <see cref="RegionColumns"/> pixels of level 0 (partial at the
    /// edges), each with the pixels of every level whose centres fall in it; regions row by row, inside a region level
    /// by level and pixels row by row. Yields that order, then the <see cref="RegionCount"/> + 1 offsets of the
    /// regions in it (first 0, last the query count): the blocks the kernel runs.
    /// </summary>
    private static IEnumerable<int> QueryRegions(int[][] shapes)
    {
        var starts = MsDeformAttnOp.LevelStarts(shapes);
        var (h0, w0, columns) = (shapes[0][0], shapes[0][1], Blocks(shapes[0][1], RegionColumns));
        var regions = Enumerable.Range(0, RegionCount(shapes)).Select(_ => new List<int>()).ToArray();
        int rows = regions.Length / columns;
        for (int l = 0; l < shapes.Length; l++)
        {
            int h = shapes[l][0], w = shapes[l][1];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    // The pixel's centre in level-0 pixels.
                    int ry = Math.Min(rows - 1, (int)((y + 0.5) * h0 / h / RegionRows));
                    int rx = Math.Min(columns - 1, (int)((x + 0.5) * w0 / w / RegionColumns));
                    regions[ry * columns + rx].Add(starts[l] + y * w + x);
                }
        }
        foreach (var query in regions.SelectMany(r => r)) yield return query;
        int offset = 0;
        yield return offset;
        foreach (var region in regions) yield return offset += region.Count;
    }

    private static int RegionCount(int[][] shapes) =>
        Blocks(shapes[0][0], RegionRows) * Blocks(shapes[0][1], RegionColumns);

    private static int Blocks(int count, int size) => (count + size - 1) / size;

    public override bool WritesNarrowed(Node node) => true;
}
