using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>kernels/embedding.cu for <see cref="EmbeddingOp"/>: one thread per output element.</summary>
public sealed class Embedding : CudaKernel<EmbeddingOp>
{
    protected override void Launch(KernelLaunches k, EmbeddingOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var (table, ids) = (x[0], x[1]);
        k.Launch("embedding", Grid(y.Elements), new Dim3(Threads),
            a => a.Ptr(table.Ptr).Ptr(ids.Ptr).Ptr(y.Ptr).Add(ids.Elements).Add(table.Dim(0)).Add(table.Dim(1)));
    }
}
