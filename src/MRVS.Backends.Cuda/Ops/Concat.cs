using System.Runtime.CompilerServices;
using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/concat.cu for <see cref="ConcatOp"/>: one launch for up to 8 inputs (a table of their pointers and row
/// ranges passed by value), one thread per unit of up to 16 bytes (<see cref="CopyUnit"/>) of the output.
/// </summary>
public sealed class Concat : CudaKernel<ConcatOp>
{
    private const int InputsPerLaunch = 8;

    protected override void Launch(KernelLaunches k, ConcatOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        long outer = Shape.Elements(y.Shape.AsSpan(0, op.Axis));
        long innerBytes = Shape.Elements(y.Shape.AsSpan(op.Axis + 1)) * y.Type.DType.Size();
        var pointers = new nint[x.Length + 1];
        for (int i = 0; i < x.Length; i++) pointers[i] = x[i].Ptr;
        pointers[^1] = y.Ptr;
        int unit = CopyUnit.Widest(innerBytes, pointers), axisOut = y.Dim(op.Axis), row = 0;
        long innerUnits = innerBytes / unit;
        for (int first = 0; first < x.Length; first += InputsPerLaunch)
        {
            var table = new InputTable { Count = Math.Min(InputsPerLaunch, x.Length - first) };
            table.Begin[0] = row;
            for (int i = 0; i < table.Count; i++)
            {
                table.Pointers[i] = x[first + i].Ptr;
                row += x[first + i].Dim(op.Axis);
                table.Begin[i + 1] = row;
            }
            int span = row - table.Begin[0];
            long units = outer * span * innerUnits;
            if (units == 0) continue;
            k.Launch("concat", Grid(units), new Dim3(Threads),
                a => a.Ptr(y.Ptr).Add(outer).Add(innerUnits).Add(axisOut).Add(span).Add(unit).Add(table));
        }
    }

    /// <summary>Mirrors struct mrvs_concat_inputs in kernels/concat.cu.</summary>
    private struct InputTable
    {
        public Eight<nint> Pointers;
        public Nine<int> Begin;
        public int Count;
    }

    [InlineArray(InputsPerLaunch)]
    private struct Eight<T> where T : unmanaged
    {
        private T _element;
    }

    [InlineArray(InputsPerLaunch + 1)]
    private struct Nine<T> where T : unmanaged
    {
        private T _element;
    }
}
