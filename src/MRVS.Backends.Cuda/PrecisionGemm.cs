using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cuda;

/// <summary>
/// The backend's GEMMs (Linear, MatMul, the convolution's) in its <see cref="Precision"/>: float32 as given, or with
/// both operands in fp16 / bf16 for the device's mixed-precision GEMM with float32 accumulation and a float32 result.
/// Constants get their 16-bit copy once, kept; an activation is either already stored in the 16-bit type by the kernel
/// that produced it (<see cref="NarrowedActivations"/>: a value only GEMMs read) or narrowed on every call, into a
/// scratch of its own, by kernels/cast.cu's cast_narrow. Both round once from float32, the same way. Only GEMM inputs
/// are rounded: every other kernel computes in float32, and what is stored in 16 bits no other kernel reads, but for
/// the Linear's activation pass, which applies its activation in place to a GEMM's 16-bit result (Ops/Linear.cs).
/// </summary>
public sealed class PrecisionGemm : IDisposable
{
    private const long Alignment = 256;
    private readonly IGpuDevice _device;
    private readonly DeviceConstants _constants;
    private readonly DeviceScratch _scratch;

    internal PrecisionGemm(IGpuDevice device, Precision precision, DeviceConstants constants)
    {
        _device = device;
        _constants = constants;
        _scratch = new DeviceScratch(device);
        Precision = precision;
        Operands = precision switch { Precision.Fp16 => DType.F16, Precision.Bf16 => DType.BF16, _ => DType.F32 };
    }

    public Precision Precision { get; }

    /// <summary>The element type the GEMMs read: F32, F16 or BF16.</summary>
    public DType Operands { get; }

    /// <summary>Row-major C[b] = epilogue(alpha · A[b] · op(B[b])) over float32 B, as <see
    /// cref="IGpuDevice.Gemm"/>; A is float32 too, or already in <see cref="Operands"/> (<paramref name="aType"/>);
    /// C is float32, or <see cref="Operands"/> (<paramref name="output"/>: a product only GEMMs read, rounded once as
    /// cast_narrow would, with no residual and the bias rounded to that type too, as the device takes it). The
    /// epilogue's bias and residual are given in float32 whatever the operands.</summary>
    public void Run(nint a, nint b, nint c, int m, int n, int k, bool transposeB, float alpha, int batch, long strideA,
        long strideB, long strideC, GemmEpilogue epilogue = default, DType aType = DType.F32,
        DType output = DType.F32)
    {
        if (aType != DType.F32 && aType != Operands)
            throw new ArgumentException($"a GEMM operand in {aType} for {Operands} GEMMs", nameof(aType));
        if (output != DType.F32 && output != Operands)
            throw new ArgumentException($"a GEMM result in {output} for {Operands} GEMMs", nameof(output));
        if (Operands == DType.F32)
        {
            _device.Gemm(a, b, c, m, n, k, transposeB, alpha, batch, strideA, strideB, strideC, epilogue: epilogue);
            return;
        }
        long aElements = (batch - 1) * strideA + (long)m * k, bElements = (batch - 1) * strideB + (long)k * n;
        bool aNarrowed = aType == Operands;
        long biasElements = output != DType.F32 && epilogue.Bias != 0 ? (batch - 1) * epilogue.BiasStride + n : 0;
        long needed = (aNarrowed ? 0 : ScratchBytes(a, aElements)) + ScratchBytes(b, bElements)
            + (biasElements > 0 ? ScratchBytes(epilogue.Bias, biasElements) : 0);
        nint next = needed == 0 ? 0 : _scratch.Get(needed);
        nint ha = aNarrowed ? a : Narrowed(a, aElements, ref next), hb = Narrowed(b, bElements, ref next);
        if (biasElements > 0) epilogue = epilogue with { Bias = Narrowed(epilogue.Bias, biasElements, ref next) };
        _device.Gemm(ha, hb, c, m, n, k, transposeB, alpha, batch, strideA, strideB, strideC, Operands, output,
            epilogue);
    }

    /// <summary>Launches cast_narrow: <paramref name="count"/> floats at <paramref name="source"/> to 16-bit <paramref
    /// name="type"/> at <paramref name="destination"/>.</summary>
    public static void Narrow(IGpuDevice device, nint source, nint destination, long count, DType type)
    {
        using var args = new KernelArgs();
        args.Ptr(source).Ptr(destination).Add(count).Add(type == DType.F16 ? 0 : 1);
        device.Launch("cast_narrow", Dim3.Blocks(count, 256), new Dim3(256), 0, args);
    }

    private long ScratchBytes(nint operand, long elements) => _constants.Contains(operand) ? 0
        : Align(elements * Operands.Size());

    private nint Narrowed(nint operand, long elements, ref nint next)
    {
        if (_constants.Contains(operand))
            return _constants.Narrowed(operand, elements, Operands,
                (s, d, count) => Narrow(_device, s, d, count, Operands));
        nint p = next;
        Narrow(_device, operand, p, elements, Operands);
        next += (nint)ScratchBytes(operand, elements);
        return p;
    }

    private static long Align(long bytes) => (bytes + Alignment - 1) / Alignment * Alignment;

    public void Dispose() => _scratch.Dispose();
}
