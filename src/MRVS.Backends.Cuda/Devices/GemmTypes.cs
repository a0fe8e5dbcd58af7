using MRVS.Core.Tensors;

namespace MRVS.Backends.Cuda.Devices;

/// <summary>The element types <see cref="IGpuDevice.Gemm"/> takes: F32 → F32, or F16 / BF16 inputs → F32 or the inputs'
/// type; an epilogue into F32, or bias and ReLU (no residual) into a 16-bit type, whose bias is then in that
/// type.</summary>
public static class GemmTypes
{
    public static void Check(DType inputs, DType output, GemmEpilogue epilogue = default)
    {
        if (epilogue.Residual != 0 && output != DType.F32)
            throw new NotSupportedException($"GEMM into {output} with an epilogue ({epilogue}): a residual only into " +
                "F32");
        bool supported = inputs switch
        {
            DType.F32 => output == DType.F32,
            DType.F16 or DType.BF16 => output == DType.F32 || output == inputs,
            _ => false,
        };
        if (!supported)
            throw new NotSupportedException($"GEMM of {inputs} inputs into {output} (supported: F32 → F32, F16/BF16 " +
                "→ F32 or themselves)");
    }
}
