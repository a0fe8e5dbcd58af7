using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Models.Backbone;
using static MRVS.Tests.Support.OpRunner;

namespace MRVS.Tests.Backbone;

/// <summary>
/// The Video Swin ops and tables against float64 references written the way upstream computes them (F.pad,
/// torch.roll, window_partition's view/permute, compute_mask's slices), on fresh random inputs with awkward sizes.
/// </summary>
public class SwinOpTests
{
    private readonly Random _rng = new(23);

    /// <summary>A channels-last volume [D, H, W, C] of doubles.</summary>
    private sealed record Volume(double[] Data, int D, int H, int W, int C)
    {
        public double this[int z, int y, int x, int c] => Data[((z * H + y) * W + x) * C + c];
        public static Volume Of(Tensor t) => new(t.ToDoubleArray(), t.Shape[0], t.Shape[1], t.Shape[2], t.Shape[3]);
        public static Volume Build(int d, int h, int w, int c, Func<int, int, int, int, double> at)
        {
            var v = new double[d * h * w * c];
            for (int z = 0, i = 0; z < d; z++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        for (int k = 0; k < c; k++, i++) v[i] = at(z, y, x, k);
            return new Volume(v, d, h, w, c);
        }
    }

    /// <summary>F.pad with zeros at the end of D, H, W (and crop when the sizes are smaller).</summary>
    private static Volume Resize(Volume v, int d, int h, int w) =>
        Volume.Build(d, h, w, v.C, (z, y, x, c) => z < v.D && y < v.H && x < v.W ? v[z, y, x, c] : 0);

    /// <summary>torch.roll over (D, H, W): out[(p + s) mod n] = in[p].</summary>
    private static Volume Roll(Volume v, int sd, int sh, int sw)
    {
        static int Mod(int a, int n) => ((a % n) + n) % n;
        return Volume.Build(v.D, v.H, v.W, v.C, (z, y, x, c) =>
            v[Mod(z - sd, v.D), Mod(y - sh, v.H), Mod(x - sw, v.W), c]);
    }

    /// <summary>
    /// window_partition: view(D/wd, wd, H/wh, wh, W/ww, ww, C).permute(0, 2, 4, 1, 3, 5, 6) → [nW, N, C].
    /// </summary>
    private static double[] Partition(Volume v, int[] win)
    {
        var y = new List<double>();
        for (int bz = 0; bz < v.D / win[0]; bz++)
            for (int by = 0; by < v.H / win[1]; by++)
                for (int bx = 0; bx < v.W / win[2]; bx++)
                    for (int z = 0; z < win[0]; z++)
                        for (int yy = 0; yy < win[1]; yy++)
                            for (int x = 0; x < win[2]; x++)
                                for (int c = 0; c < v.C; c++)
                                    y.Add(v[bz * win[0] + z, by * win[1] + yy, bx * win[2] + x, c]);
        return [.. y];
    }

    /// <summary>window_reverse of [nW, N, C] windows to the padded volume (Dp, Hp, Wp).</summary>
    private static Volume Reverse(double[] windows, int[] win, int dp, int hp, int wp, int c)
    {
        int nh = hp / win[1], nw = wp / win[2], n = win[0] * win[1] * win[2];
        return Volume.Build(dp, hp, wp, c, (z, y, x, k) =>
        {
            int window = (z / win[0] * nh + y / win[1]) * nw + x / win[2];
            int token = (z % win[0] * win[1] + y % win[1]) * win[2] + x % win[2];
            return windows[(window * n + token) * c + k];
        });
    }

    private static int PaddedTo(int size, int window) => (size + window - 1) / window * window;

    private static void Same(Tensor actual, double[] expected, string what)
    {
        Assert.That(actual.ElementCount, Is.EqualTo(expected.Length), $"{what}: element count");
        Assert.That(actual.ToDoubleArray(), Is.EqualTo(expected), what);
    }

    private static readonly object[] Windows =
    [
        new object[] { new[] { 1, 1, 1, 1 }, new[] { 1, 1, 1 }, new[] { 0, 0, 0 } },
        new object[] { new[] { 3, 9, 10, 2 }, new[] { 2, 7, 7 }, new[] { 1, 3, 3 } },
        new object[] { new[] { 5, 4, 13, 3 }, new[] { 5, 4, 7 }, new[] { 0, 0, 3 } },
        new object[] { new[] { 10, 6, 8, 1 }, new[] { 8, 6, 7 }, new[] { 4, 0, 3 } },
        new object[] { new[] { 2, 14, 7, 2 }, new[] { 2, 7, 7 }, new[] { 0, 3, 0 } },
    ];

    [TestCaseSource(nameof(Windows))]
    public void PartitionIsPadThenRollThenWindowPartition(int[] shape, int[] size, int[] shift)
    {
        var x = Random(_rng, shape);
        var win = new SwinWindow(size, shift);
        var v = Volume.Of(x);
        var expected =
            Partition(Roll(Resize(v, PaddedTo(v.D, size[0]), PaddedTo(v.H, size[1]), PaddedTo(v.W, size[2])), -shift[0],
                -shift[1], -shift[2]), size);
        var windows = Run(new SwinWindowPartitionOp(win), x);
        Assert.That(windows.Shape, Is.EqualTo(new[] { win.Windows(v.D, v.H, v.W), win.Tokens, v.C }));
        Same(windows, expected, "windows");
    }

    [TestCaseSource(nameof(Windows))]
    public void MergeIsWindowReverseThenRollBackThenCrop(int[] shape, int[] size, int[] shift)
    {
        var win = new SwinWindow(size, shift);
        int d = shape[0], h = shape[1], w = shape[2], c = shape[3];
        var windows = Random(_rng, win.Windows(d, h, w), win.Tokens, c);
        var padded =
            Reverse(windows.ToDoubleArray(), size, PaddedTo(d, size[0]), PaddedTo(h, size[1]), PaddedTo(w, size[2]), c);
        var expected = Resize(Roll(padded, shift[0], shift[1], shift[2]), d, h, w).Data;
        Same(Run(new SwinWindowMergeOp(win, d, h, w), windows), expected, "merged volume");
    }

    [Test]
    public void WindowOpsRejectAShiftNotSmallerThanTheWindow()
    {
        var ex = Assert.Throws<ShapeException>(() =>
            Run(new SwinWindowPartitionOp(new SwinWindow([2, 7, 7], [2, 3, 3])), Tensor.Zeros(DType.F32, 2, 7, 7, 1)));
        Assert.That(ex!.Message, Does.Contain("shift"));
    }

    [TestCase(1, 1, 1, 1)]
    [TestCase(2, 5, 7, 3)]
    [TestCase(1, 4, 6, 2)]
    [TestCase(3, 1, 2, 1)]
    public void PatchMergeGathersTheFourPhasesOfTheZeroPaddedVolume(int d, int h, int w, int c)
    {
        var x = Random(_rng, d, h, w, c);
        var v = Resize(Volume.Of(x), d, h + h % 2, w + w % 2);
        (int Dy, int Dx)[] phases = [(0, 0), (1, 0), (0, 1), (1, 1)];
        var expected = Volume.Build(d, (h + 1) / 2, (w + 1) / 2, 4 * c, (z, y, xx, k) =>
            v[z, 2 * y + phases[k / c].Dy, 2 * xx + phases[k / c].Dx, k % c]).Data;
        var y2 = Run(new PatchMergeOp(), x);
        Assert.That(y2.Shape, Is.EqualTo(new[] { d, (h + 1) / 2, (w + 1) / 2, 4 * c }));
        Same(y2, expected, "merged patches");
    }

    [Test]
    public void PadAppendsZerosAtTheEndOfEachAxis()
    {
        var x = Random(_rng, 2, 3, 1, 5);
        var expected = new double[2 * 4 * 1 * 8];
        var xv = x.ToDoubleArray();
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 3; b++)
                for (int e = 0; e < 5; e++) expected[(a * 4 + b) * 8 + e] = xv[(a * 3 + b) * 5 + e];
        Same(Run(new PadOp(0, 1, 0, 3), x), expected, "padded");
        Same(Run(new PadOp(0, 0, 0, 0), x), xv, "no padding");
    }

    [Test]
    public void PadKeepsBooleans()
    {
        var x = Tensor.Zeros(DType.Bool, 1, 2);
        x.Span<byte>().Fill(1);
        var y = Run(new PadOp(2, 1), x);
        Assert.That(y.DType, Is.EqualTo(DType.Bool));
        Assert.That(y.Span<byte>().ToArray(), Is.EqualTo(new byte[] { 1, 1, 0, 0, 0, 0, 0, 0, 0 }));
    }

    /// <summary>
    /// Upstream's WindowAttention3D core in float64: (q·scale)·kᵀ + table[index[:N, :N]] (+ −100 between different
    /// regions), softmax, ·v, with the index written out as upstream builds it from relative coordinates.
    /// </summary>
    private static double[] WindowAttentionReference(Tensor qkv, Tensor table, int[] window, Tensor? regions, int heads)
    {
        int windows = qkv.Shape[0], n = qkv.Shape[1], c = qkv.Shape[2] / 3, dh = c / heads, rows = table.Shape[1];
        var q = qkv.ToDoubleArray();
        var tv = table.ToDoubleArray();
        int wd = window[0], wh = window[1], ww = window[2];
        int Index(int i, int j) =>
            (i / (wh * ww) - j / (wh * ww) + wd - 1) * (2 * wh - 1) * (2 * ww - 1)
            + (i / ww % wh - j / ww % wh + wh - 1) * (2 * ww - 1) + (i % ww - j % ww + ww - 1);
        var rv = regions?.ToDoubleArray();
        var y = new double[windows * n * c];
        for (int w = 0; w < windows; w++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < n; i++)
                {
                    var s = new double[n];
                    for (int j = 0; j < n; j++)
                    {
                        double dot = 0;
                        for (int d = 0; d < dh; d++)
                            dot += q[(w * n + i) * 3 * c + h * dh + d] / Math.Sqrt(dh)
                                * q[(w * n + j) * 3 * c + c + h * dh + d];
                        bool otherRegion = rv is not null && rv[w * n + i] != rv[w * n + j];
                        s[j] = dot + tv[h * rows + Index(i, j)] + (otherRegion ? -100 : 0);
                    }
                    double max = s.Max(), sum = s.Sum(v => Math.Exp(v - max));
                    for (int j = 0; j < n; j++)
                        for (int d = 0; d < dh; d++)
                            y[(w * n + i) * c + h * dh + d] += Math.Exp(s[j] - max) / sum
                                * q[(w * n + j) * 3 * c + 2 * c + h * dh + d];
                }
        return y;
    }

    private Tensor Regions(int windows, int n, int labels)
    {
        var t = Tensor.Zeros(DType.F32, windows, n);
        foreach (ref var v in t.Span<float>()) v = 9 * _rng.Next(labels) + 2;
        return t;
    }

    [TestCase(3, 5, 2, 6, true, new[] { 1, 2, 3 })]
    [TestCase(1, 1, 1, 3, true, new[] { 1, 1, 1 })]
    [TestCase(1, 1, 1, 3, false, new[] { 2, 2, 2 })]
    [TestCase(2, 7, 3, 15, false, new[] { 2, 2, 2 })]
    [TestCase(2, 13, 1, 1, true, new[] { 2, 3, 3 })]
    [TestCase(4, 49, 2, 8, true, new[] { 2, 7, 7 })]
    public void WindowAttentionMatchesTheFloat64Reference(int windows, int n, int heads, int c, bool masked,
        int[] window)
    {
        var qkv = Random(_rng, windows, n, 3 * c);
        var table = Random(_rng, heads, WindowAttentionOp.TableRowsOf(window));
        var regions = masked ? Regions(windows, n, 3) : null;
        var y = masked ? Run(new WindowAttentionOp(heads, masked: true, window), qkv, table, regions!)
            : Run(new WindowAttentionOp(heads, masked: false, window), qkv, table);
        Assert.That(y.Shape, Is.EqualTo(new[] { windows, n, c }));
        var expected = WindowAttentionReference(qkv, table, window, regions, heads);
        var a = y.ToDoubleArray();
        double worst = a.Select((v, i) => Math.Abs(v - expected[i])).Max();
        Assert.That(worst, Is.LessThanOrEqualTo(1e-5 * Math.Max(1, expected.Max(Math.Abs))));
    }

    /// <summary>
    /// The window merge in the stores (shifted and padded, regular and padded): each stored row is the unmerged op's
    /// row merged, to the bit, and the padding rows are not in the output.
    /// </summary>
    [TestCase(1, 3, 3)]
    [TestCase(0, 0, 0)]
    public void WindowAttentionWithMergedStoresIsItsMergedRows(int sd, int sh, int sw)
    {
        var window = new SwinWindow([2, 7, 7], [sd, sh, sw]);
        var merge = new SwinWindowMergeOp(window, 3, 9, 10);
        int windows = window.Windows(3, 9, 10), heads = 2, c = 8;
        int[] full = [8, 7, 7];
        var qkv = Random(_rng, windows, window.Tokens, 3 * c);
        var table = Random(_rng, heads, WindowAttentionOp.TableRowsOf(full));
        var regions = Regions(windows, window.Tokens, 3);
        var inWindows = Run(new WindowAttentionOp(heads, masked: true, full), qkv, table, regions);
        var merged = Run(new WindowAttentionOp(heads, masked: true, full, merge), qkv, table, regions);
        Assert.That(merged.Shape, Is.EqualTo(new[] { 3, 9, 10, c }));
        Assert.That(merged.Span<float>().ToArray(), Is.EqualTo(Run(merge, inWindows).Span<float>().ToArray()));
    }

    [Test]
    public void WindowAttentionRejectsMergedStoresOfAnotherVolume()
    {
        var merge = new SwinWindowMergeOp(new SwinWindow([2, 7, 7], [0, 0, 0]), 3, 9, 15);
        var ex = Assert.Throws<ShapeException>(() => Run(new WindowAttentionOp(1, masked: false, [2, 7, 7], merge),
            Random(_rng, 8, 98, 6), Random(_rng, 1, 507)));
        Assert.That(ex!.Message, Does.Contain("qkv has 8 windows of 98 tokens; stores merged into 3×9×15 by " +
            "window (2,7,7) shift (0,0,0) expect 12 windows of 98"));
    }

    [Test]
    public void OneRegionPerWindowAddsNothing()
    {
        var qkv = Random(_rng, 2, 6, 3 * 4);
        int[] window = [1, 2, 3];
        var table = Random(_rng, 2, WindowAttentionOp.TableRowsOf(window));
        var unmasked = Run(new WindowAttentionOp(2, masked: false, window), qkv, table);
        var masked = Run(new WindowAttentionOp(2, masked: true, window), qkv, table, Regions(2, 6, 1));
        Assert.That(masked.Span<float>().ToArray(), Is.EqualTo(unmasked.Span<float>().ToArray()));
    }

    [Test]
    public void WindowAttentionRejectsRegionsOfAnotherWindowCount()
    {
        var ex = Assert.Throws<ShapeException>(() => Run(new WindowAttentionOp(1, masked: true, [1, 1, 3]),
            Random(_rng, 2, 3, 6), Random(_rng, 1, 5), Tensor.Zeros(DType.F32, 3, 3)));
        Assert.That(ex!.Message, Does.Contain("regions"));
    }

    [Test]
    public void WindowAttentionRejectsATableOfAnotherWindow()
    {
        var ex = Assert.Throws<ShapeException>(() => Run(new WindowAttentionOp(2, masked: false, [2, 7, 7]),
            Random(_rng, 1, 98, 12), Random(_rng, 2, 169)));
        Assert.That(ex!.Message, Does.Contain("expected F32[2, 507]"));
    }

    [Test]
    public void WindowAttentionRelativeIndexIsSwinsIndex()
    {
        // torch: coords = stack(meshgrid(arange(2), arange(3), arange(2))).flatten(1); relative = coords[:, :, None]
        // - coords[:, None, :] + (1, 2, 1); index = (r0·5 + r1)·3 + r2. Tokens 0 = (0,0,0), 7 = (1,0,1), 11 = (1,2,1).
        int[] window = [2, 3, 2];
        Assert.That(WindowAttentionOp.RelativeIndex(window, 0, 0), Is.EqualTo((1 * 5 + 2) * 3 + 1));
        Assert.That(WindowAttentionOp.RelativeIndex(window, 7, 0), Is.EqualTo((2 * 5 + 2) * 3 + 2));
        Assert.That(WindowAttentionOp.RelativeIndex(window, 0, 11), Is.EqualTo(0));
        Assert.That(WindowAttentionOp.RelativeIndex(window, 11, 0),
            Is.EqualTo(WindowAttentionOp.TableRowsOf(window) - 1));
    }

    /// <summary>Python's slice(start, stop) over n elements, as compute_mask uses it (negative = from the end, −0 =
    /// 0).</summary>
    private static (int Begin, int End) PySlice(int? start, int? stop, int n)
    {
        static int Norm(int v, int n) => Math.Clamp(v < 0 ? n + v : v, 0, n);
        return (start is null ? 0 : Norm(start.Value, n), stop is null ? n : Norm(stop.Value, n));
    }

    /// <summary>
    /// compute_mask's label volume: nested d → h → w loops over three slices per axis with a running counter.
    /// </summary>
    private static Volume ComputeMaskLabels(int dp, int hp, int wp, int[] win, int[] shift)
    {
        var labels = new double[dp * hp * wp];
        (int?, int?)[] Slices(int axis) => [(null, -win[axis]), (-win[axis], -shift[axis]), (-shift[axis], null)];
        int cnt = 0;
        foreach (var (d0, d1) in Slices(0))
            foreach (var (h0, h1) in Slices(1))
                foreach (var (w0, w1) in Slices(2))
                {
                    var (zb, ze) = PySlice(d0, d1, dp);
                    var (yb, ye) = PySlice(h0, h1, hp);
                    var (xb, xe) = PySlice(w0, w1, wp);
                    for (int z = zb; z < ze; z++)
                        for (int y = yb; y < ye; y++)
                            for (int x = xb; x < xe; x++) labels[(z * hp + y) * wp + x] = cnt;
                    cnt++;
                }
        return new Volume(labels, dp, hp, wp, 1);
    }

    [TestCase(4, 25, 34)]
    [TestCase(10, 17, 23)]
    [TestCase(16, 9, 12)]
    [TestCase(9, 3, 3)]
    [TestCase(1, 8, 1)]
    public void ShiftRegionsAreComputeMaskLabelsPartitioned(int d, int h, int w)
    {
        var win = SwinWindowTables.Clip([8, 7, 7], [4, 3, 3], d, h, w);
        int dp = PaddedTo(d, win.Size[0]), hp = PaddedTo(h, win.Size[1]), wp = PaddedTo(w, win.Size[2]);
        var expected = Partition(ComputeMaskLabels(dp, hp, wp, win.Size, win.Shift), win.Size);
        var regions = SwinWindowTables.ShiftRegions(win, d, h, w);
        Assert.That(regions.Shape, Is.EqualTo(new[] { win.Windows(d, h, w), win.Tokens }));
        Same(regions, expected, "region labels");
    }

    [Test]
    public void ClippingUsesTheSizeAndNoShiftOnShortAxes()
    {
        var win = SwinWindowTables.Clip([8, 7, 7], [4, 3, 3], 8, 14, 5);
        Assert.That(win.Size, Is.EqualTo(new[] { 8, 7, 5 }));
        Assert.That(win.Shift, Is.EqualTo(new[] { 0, 3, 0 }));
    }

    [Test]
    public void BiasTableIsTheCheckpointTableTransposed()
    {
        int[] window = [1, 2, 2];
        var table = Random(_rng, 9, 2);
        var index = Tensor.Zeros(DType.I64, 4, 4);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) index.Span<long>()[i * 4 + j] = WindowAttentionOp.RelativeIndex(window, i, j);
        var transposed = SwinWindowTables.BiasTable(table, index, window, "index").Span<float>();
        for (int row = 0; row < 9; row++)
            for (int h = 0; h < 2; h++)
                Assert.That(transposed[h * 9 + row], Is.EqualTo(table.Span<float>()[row * 2 + h]));
    }

    [Test]
    public void BiasTableRejectsAnIndexOtherThanSwins()
    {
        int[] window = [1, 1, 2];
        var index = Tensor.Zeros(DType.I64, 2, 2);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++) index.Span<long>()[i * 2 + j] = WindowAttentionOp.RelativeIndex(window, i, j);
        index.Span<long>()[3] = 0;
        var ex = Assert.Throws<MrvsException>(() =>
            SwinWindowTables.BiasTable(Random(_rng, 3, 1), index, window, "blocks.0.attn.relative_position_index"));
        Assert.That(ex!.Message, Does.Contain("blocks.0.attn.relative_position_index[1, 1] = 0, expected 1"));
    }
}
