using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>kernels/language_match_score.cu for <see cref="LanguageMatchScoreOp"/>: one warp per output.</summary>
public sealed class LanguageMatchScore : CudaKernel<LanguageMatchScoreOp>
{
    protected override void Launch(KernelLaunches k, LanguageMatchScoreOp op, ReadOnlySpan<DeviceTensor> x,
        DeviceTensor y)
    {
        var (f, g) = (x[0], x[1]);
        k.Launch("language_match_score", new Dim3((uint)(f.Dim(0) * f.Dim(1))), new Dim3(32),
            a => a.Ptr(f.Ptr).Ptr(g.Ptr).Ptr(y.Ptr).Add(f.Dim(0)).Add(f.Dim(1)).Add(f.Dim(2)).Add(f.Dim(3)));
    }
}
