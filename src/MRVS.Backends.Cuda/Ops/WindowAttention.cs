using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/window_attention.cu for <see cref="WindowAttentionOp"/>, one block per (window, head): in FP32 256 threads,
/// the entry point of the smallest head-dim bound (8, 16, 32, 64) that holds the head dim; with fp16 / bf16 GEMMs the
/// tensor-core entry points (128 threads, bounds 16 and 32; wider heads stay FP32). With the window merge in the
/// stores the rows go to their tokens of the unpadded volume (<see cref="SwinWindowStore"/>).
/// </summary>
public sealed class WindowAttention : CudaKernel<WindowAttentionOp>
{
    /// <summary>The head-dim bounds the FP32 and the tensor-core kernels are instantiated for.</summary>
    private static readonly int[] HeadDims = [8, 16, 32, 64], MmaHeadDims = [16, 32];

    protected override void Launch(KernelLaunches k, WindowAttentionOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int windows = x[0].Dim(0), n = x[0].Dim(1), c = x[0].Dim(2) / 3, dh = c / op.Heads;
        int mma = k.Gemm.Precision == Precision.Fp32 ? 0 : MmaHeadDims.FirstOrDefault(d => d >= dh);
        string entry = mma == 0 ? $"window_attention_{HeadDims.First(d => d >= dh)}"
            : $"window_attention_{(k.Gemm.Precision == Precision.Bf16 ? "bf16" : "f16")}_{mma}";
        nint qkv = x[0].Ptr, table = x[1].Ptr, regions = op.Masked ? x[2].Ptr : 0;
        int[] w = op.Window;
        k.Launch(entry, new Dim3((uint)(windows * op.Heads)), new Dim3(mma == 0 ? 256u : 128u),
            a => a.Ptr(qkv).Ptr(table).Ptr(regions).Ptr(y.Ptr).Add(n).Add(c).Add(op.Heads)
                .Add(w[0]).Add(w[1]).Add(w[2]).Add(SwinWindowStore.Of(op.Merge)));
    }
}
