using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/deformable_sampling_locations.cu for <see cref="DeformableSamplingLocationsOp"/>: one thread per
/// sampling point; the level table is uploaded once per op.
/// </summary>
public sealed class DeformableSamplingLocations : CudaKernel<DeformableSamplingLocationsOp>
{
    protected override void Launch(KernelLaunches k, DeformableSamplingLocationsOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        nint off = x[0].Ptr, r = x[1].Ptr, table = k.LevelTable(op, op.LevelShapes);
        long samples = y.Elements / 2;
        int refDims = x[1].Dim(3);
        k.Launch("deformable_sampling_locations", Grid(samples), new Dim3(Threads),
            a => a.Ptr(off).Ptr(r).Ptr(table).Ptr(y.Ptr).Add(samples).Add(op.Heads).Add(op.LevelShapes.Length).Add(op.Points).Add(refDims));
    }
}
