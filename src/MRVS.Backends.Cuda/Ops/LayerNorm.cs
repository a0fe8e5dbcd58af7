using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/layer_norm.cu for <see cref="LayerNormOp"/>: rows of the last axis in thread groups sized by the row
/// length (<see cref="RowGroup"/>), the residual added as the row is loaded when the op has one; stored in 16 bits
/// where only GEMMs read the result, and also in 16 bits beside float32 where GEMMs and other kernels both read it
/// (<see cref="NarrowedActivations"/>).
/// </summary>
public sealed class LayerNorm : CudaKernel<LayerNormOp>
{
    protected override void Launch(KernelLaunches k, LayerNormOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int n = y.Dim(-1);
        Rows(k, x[0].Ptr, op.HasResidual ? x[1].Ptr : 0, new(x[^2].Ptr, x[^1].Ptr, op.Eps), y.Ptr, y.Type.DType,
            y.Elements / n, n, y.Copy);
    }

    /// <summary>
    /// y = LN(input [+ residual]) · γ + β over <paramref name="rows"/> rows of <paramref name="n"/>, stored as
    /// <paramref name="type"/>; <paramref name="y"/> may be <paramref name="input"/> (a Linear's LayerNorm epilogue,
    /// in place: each thread reads its elements of a row before it writes them); with <paramref name="copy"/>, stored
    /// there again in the GEMMs' 16-bit type.
    /// </summary>
    internal static void Rows(KernelLaunches k, nint input, nint residual, Norm norm, nint y, DType type, long rows,
        int n, nint copy = 0)
    {
        var g = RowGroup.For(rows, n, input, residual, norm.Gamma, norm.Beta, y);
        k.Launch("layer_norm", g.Grid, new Dim3(RowGroup.Block), a => a.Ptr(input).Ptr(residual).Ptr(norm.Gamma)
            .Ptr(norm.Beta).Ptr(y).Add(StoreType(type)).Ptr(copy).Add(StoreType(copy == 0 ? DType.F32
                : k.Gemm.Operands)).Add(rows).Add(n).Add(g.Threads).Add(g.Vector4 ? 1 : 0).Add(norm.Eps));
    }

    /// <summary>
    /// A Linear's or feed-forward's rows with their LayerNorm epilogue, into <paramref name="y"/>: <paramref
    /// name="rows"/> writes the float32 rows where it is told and applies the LayerNorm it is given. A float32 y takes
    /// the rows and the LayerNorm (in place, or in linear_few_rows). A y kept in the GEMMs' 16-bit type (<see
    /// cref="NarrowedActivations"/>: only GEMMs read it) takes the rows in a float32 temporary, the partials buffer
    /// (linear_few_rows, its other user, runs only on float32 operands), and the LayerNorm kernel stores them
    /// narrowed, as a separate LayerNorm would have: no cast before those GEMMs. A float32 y with a 16-bit copy (<see
    /// cref="NarrowedActivations.Copies"/>) takes the rows, then the LayerNorm kernel normalises them in place and
    /// stores the copy too.
    /// </summary>
    internal static void Epilogue(KernelLaunches k, DeviceTensor y, int m, int n, Norm? norm, Action<nint, Norm?> rows)
    {
        if (norm is not { } nm || (y.Type.DType == DType.F32 && y.Copy == 0))
        {
            rows(y.Ptr, norm);
            return;
        }
        if (y.Type.DType == DType.F32)
        {
            rows(y.Ptr, null);
            Rows(k, y.Ptr, 0, nm, y.Ptr, DType.F32, m, n, y.Copy);
            return;
        }
        nint temp = k.Partials((long)m * n * sizeof(float));
        rows(temp, null);
        Rows(k, temp, 0, nm, y.Ptr, y.Type.DType, m, n);
    }

    /// <summary>A LayerNorm's γ, β (device float[n]) and eps.</summary>
    internal readonly record struct Norm(nint Gamma, nint Beta, float Eps);

    public override bool WritesNarrowed(Node node) => true;
    public override bool WritesCopy(Node node) => true;
}
