using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/cross_modal_fusion.cu for <see cref="CrossModalFusionOp"/>. With few keys (<see cref="FewKeys"/>: vlf's
/// visual tokens over the words) out_proj is folded into the values and one launch writes y; otherwise attention into
/// the shared scratch (its keys split over blocks and the splits combined when the query rows alone would give fewer
/// than <see cref="TargetBlocks"/> blocks), then the out_proj GEMM, bias and gate: one linear_few_rows launch for few
/// query rows, else the GEMM into y and the bias and gate in place.
/// </summary>
public sealed class CrossModalFusion : CudaKernel<CrossModalFusionOp>
{
    /// <summary>Blocks wanted in flight: a few per SM of a large GPU (132 on an H100).</summary>
    private const int TargetBlocks = 512;

    /// <summary>Query rows per block of cross_modal_fusion_few_keys: each block reads the projected values (Lk·H·E
    /// floats) once for its rows; 192 keeps that re-read at 0.9 KiB per row of 1 KiB (20 words, E = 256) while a
    /// stride-8 level of SOC++ at 8×360×640 (28,800 tokens) still gives 150 blocks.</summary>
    private const int FewKeysRows = 192;

    private const int FewKeysThreads = 256, FewKeysHeadDim = 32, FewKeysHeads = 8;

    protected override void Launch(KernelLaunches k, CrossModalFusionOp op, ReadOnlySpan<DeviceTensor> x,
        DeviceTensor y)
    {
        int batch = y.Dim(0), lq = y.Dim(1), lk = x[1].Dim(1), e = y.Dim(2), dh = e / op.Heads;
        if (dh > 128) throw new NotSupportedException($"cross-modal fusion head dim {dh} exceeds the kernel's 128");
        if (FewKeys(lk, e, op.Heads))
        {
            RunFewKeys(k, op, x, y);
            return;
        }
        int bound = dh <= 32 ? 32 : 128, rowsPerBlock = 128 / (bound / 8), tile = 2048 / bound;
        long blocks = (long)(lq + rowsPerBlock - 1) / rowsPerBlock * batch * op.Heads;
        int splits = (int)Math.Clamp(TargetBlocks / blocks, 1, (lk + 4L * tile - 1) / (4L * tile));
        int chunk = (lk + splits - 1) / splits;
        chunk = (chunk + tile - 1) / tile * tile;
        splits = (lk + chunk - 1) / chunk;

        nint q = x[0].Ptr, key = x[1].Ptr, v = x[2].Ptr, w = x[3].Ptr, bias = x[4].Ptr, target = x[5].Ptr;
        long rows = (long)batch * lq;
        long partialBytes = splits > 1 ? splits * rows * (e + 2L * op.Heads) * sizeof(float) : 0;
        nint kpm = op.HasKeyPaddingMask ? x[6].Ptr : 0, attended = k.Scratch(y.Type.Bytes + partialBytes);
        nint partial = splits > 1 ? attended + (nint)y.Type.Bytes : attended;
        nint ml = splits > 1 ? partial + (nint)(splits * rows * e * sizeof(float)) : 0;
        k.Launch(bound == 32 ? "cross_modal_fusion" : "cross_modal_fusion_wide",
            new Dim3((uint)((lq + rowsPerBlock - 1) / rowsPerBlock), (uint)(batch * op.Heads), (uint)splits),
                new Dim3(128),
            a => a.Ptr(q).Ptr(key).Ptr(v).Ptr(kpm).Ptr(partial).Ptr(ml).Add(lq).Add(lk).Add(e).Add(op.Heads)
                .Add(chunk));
        if (splits > 1)
            k.Launch("cross_modal_fusion_combine", Grid(y.Elements), new Dim3(Threads),
                a => a.Ptr(partial).Ptr(ml).Ptr(attended).Add(y.Elements).Add(e).Add(op.Heads).Add(splits));
        // Few query rows (v2p's proxies, lvf's words): out_proj, bias and gate are one linear_few_rows launch.
        if (Linear.FewRows(k, new DeviceTensor(attended, y.Type), w, bias, target, 0, y.Ptr, batch * lq, e, e,
                Core.Graph.Ops.Activation.None, null)) return;
        k.Gemm.Run(attended, w, y.Ptr, batch * lq, e, e, transposeB: true, 1f, 1, 0, 0, 0);
        k.Launch("cross_modal_fusion_gate", Grid(y.Elements), new Dim3(Threads),
            a => a.Ptr(y.Ptr).Ptr(bias).Ptr(target).Add(y.Elements).Add(e));
    }

    /// <summary>
    /// Whether the few-keys route runs: its limits (width ≤ 256, ≤ 8 heads of ≤ 32) and projected values no larger
    /// than out_proj (Lk·H ≤ E, so no more multiply-adds than the GEMM). Not the query rows: below a block of them
    /// (vlf at its coarsest level, a few frames) the projected values cost more bytes than the attended rows they
    /// replace, a few hundred KiB, but a route that changed with the frames would break the counters' extrapolation
    /// from small frame counts (`mrvs bench --count-at`), which assumes every node runs the same kernels at each.
    /// </summary>
    internal static bool FewKeys(int lk, int e, int heads) =>
        e <= FewKeysThreads && heads <= FewKeysHeads && e / heads <= FewKeysHeadDim && (long)lk * heads <= e;

    private static void RunFewKeys(KernelLaunches k, CrossModalFusionOp op, ReadOnlySpan<DeviceTensor> x,
        DeviceTensor y)
    {
        int batch = y.Dim(0), lq = y.Dim(1), lk = x[1].Dim(1), e = y.Dim(2);
        nint q = x[0].Ptr, key = x[1].Ptr, v = x[2].Ptr, w = x[3].Ptr, bias = x[4].Ptr, target = x[5].Ptr;
        nint kpm = op.HasKeyPaddingMask ? x[6].Ptr : 0;
        nint projected = k.Scratch((long)batch * op.Heads * lk * e * sizeof(float));
        k.Launch("cross_modal_fusion_project_values", new Dim3((uint)op.Heads, (uint)batch), new Dim3(FewKeysThreads),
            a => a.Ptr(v).Ptr(w).Ptr(projected).Add(lk).Add(e).Add(op.Heads));
        k.Launch("cross_modal_fusion_few_keys", new Dim3((uint)((lq + FewKeysRows - 1) / FewKeysRows), (uint)batch),
            new Dim3(FewKeysThreads), a => a.Ptr(q).Ptr(key).Ptr(projected).Ptr(kpm).Ptr(bias).Ptr(target).Ptr(y.Ptr)
                .Add(lq).Add(lk).Add(e).Add(op.Heads).Add(FewKeysRows));
    }
}
