using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="ValidRatioOp"/>.</summary>
public sealed unsafe class ValidRatio : CpuKernel<ValidRatioOp>
{
    protected override void Run(ValidRatioOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var m = inputs[0];
        int n = m.Dim(0), h = m.Dim(1), w = m.Dim(2);
        byte* mask = (byte*)m.Ptr;
        float* y = (float*)output.Ptr;
        for (int i = 0; i < n; i++)
        {
            int rows = 0, cols = 0;
            for (int r = 0; r < h; r++) if (mask[((long)i * h + r) * w] == 0) rows++;
            for (int c = 0; c < w; c++) if (mask[(long)i * h * w + c] == 0) cols++;
            y[2 * i] = (float)cols / w;
            y[2 * i + 1] = (float)rows / h;
        }
    }
}
