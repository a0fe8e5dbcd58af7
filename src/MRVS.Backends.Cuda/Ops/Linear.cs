using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// <see cref="LinearOp"/> on the device: the GEMM y = x·Wᵀ in the backend's precision with the bias, ReLU and residual
/// in its epilogue (<see cref="GemmEpilogue"/>, cuBLASLt on a GPU), one launch; the other forms keep one fused pass of
/// kernels/linear.cu after a plain GEMM (<see cref="Rows"/> says which and why).
/// </summary>
public sealed class Linear : CudaKernel<LinearOp>
{
    protected override void Launch(KernelLaunches k, LinearOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int n = x[1].Dim(0), inner = x[1].Dim(1), m = (int)(x[0].Elements / inner);
        nint bias = op.HasBias(x.Length) ? x[2].Ptr : 0, residual = op.HasResidual ? x[^1].Ptr : 0;
        Rows(k, x[0], x[1].Ptr, bias, residual, y.Ptr, m, n, inner, op.Activation);
    }

    public override bool ReadsNarrowed(Node node, int input) => input == 0;

    /// <summary>
    /// The m rows of a Linear from <paramref name="input"/>'s first row (float32, or a 16-bit GEMM operand), y =
    /// act(x·Wᵀ + bias) + residual: the GEMM with its epilogue, or a plain GEMM and kernels/linear.cu. With <paramref
    /// name="narrowed"/> the pass writes the result there in the GEMMs' 16-bit type (<paramref name="output"/> then
    /// only holds the GEMM's float32 product), for a form the epilogue cannot take.
    /// </summary>
    internal static void Rows(KernelLaunches k, DeviceTensor input, nint weight, nint bias, nint residual,
        nint output, int m, int n, int inner, Activation act, nint narrowed = 0)
    {
        DType inputType = input.Type.DType;
        if (InGemmEpilogue(act, residual != 0))
        {
            if (narrowed != 0) throw new ArgumentException("a GEMM epilogue's result is float32", nameof(narrowed));
            // Bias and residual both: the GEMM adds the residual first, (x·Wᵀ + residual) + bias, within a rounding of
            // the model's (x·Wᵀ + bias) + residual.
            k.Gemm.Run(input.Ptr, weight, output, m, n, inner, transposeB: true, 1f, 1, 0, 0, 0,
                new GemmEpilogue(bias, residual, act == Activation.Relu), inputType);
            return;
        }
        k.Gemm.Run(input.Ptr, weight, output, m, n, inner, transposeB: true, 1f, 1, 0, 0, 0, aType: inputType);
        long count = (long)m * n;
        int store = StoreType(narrowed == 0 ? DType.F32 : k.Gemm.Operands);
        k.Launch("linear", Grid(count), new Dim3(Threads), a => a.Ptr(output).Ptr(bias).Ptr(residual)
            .Ptr(narrowed == 0 ? output : narrowed).Add(count).Add(n).Add((int)act).Add(store));
    }

    /// <summary>
    /// Whether the GEMM's epilogue computes the form: any bias and residual with no activation or ReLU, but ReLU only
    /// without a residual, which the model adds after the activation and cuBLASLt before it. GELU is the model's exact
    /// erf GELU and cuBLASLt's GELU epilogues the tanh approximation; sigmoid and tanh have no epilogue: those keep
    /// kernels/linear.cu.
    /// </summary>
    internal static bool InGemmEpilogue(Activation act, bool residual) =>
        act == Activation.None || (act == Activation.Relu && !residual);
}
