using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="PatchMergeOp"/>.</summary>
public sealed unsafe class PatchMerge : CpuKernel<PatchMergeOp>
{
    private static readonly (int Dy, int Dx)[] Phases = [(0, 0), (1, 0), (0, 1), (1, 1)];

    protected override void Run(PatchMergeOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var x = inputs[0];
        int d = x.Dim(0), h = x.Dim(1), w = x.Dim(2), c = x.Dim(3), h2 = output.Dim(1), w2 = output.Dim(2);
        nint px = x.Ptr, py = output.Ptr;
        CpuParallel.For((long)d * h2 * w2, token =>
        {
            int z = (int)(token / ((long)h2 * w2)), i = (int)(token / w2 % h2), j = (int)(token % w2);
            for (int p = 0; p < 4; p++)
            {
                int y = 2 * i + Phases[p].Dy, xx = 2 * j + Phases[p].Dx;
                var dst = new Span<float>((float*)py + (token * 4 + p) * c, c);
                if (y < h && xx < w)
                    new ReadOnlySpan<float>((float*)px + (((long)z * h + y) * w + xx) * c, c).CopyTo(dst);
                else dst.Clear();
            }
        }, minPerThread: 256);
    }
}
