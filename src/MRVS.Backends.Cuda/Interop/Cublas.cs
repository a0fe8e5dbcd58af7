using System.Runtime.InteropServices;

namespace MRVS.Backends.Cuda.Interop;

/// <summary>
/// The cuBLAS calls the backend uses: handle, stream, math mode, float32 strided-batched SGEMM, and the mixed-precision
/// GemmEx / GemmStridedBatchedEx (fp16 or bf16 inputs, float32 accumulation).
/// </summary>
internal static partial class Cublas
{
    public const int OpN = 0, OpT = 1;
    public const int DefaultMath = 0, Tf32TensorOpMath = 3;

    /// <summary>A flag to OR into the math mode: reductions (split-K) accumulate in the compute type, not a 16-bit
    /// output type.</summary>
    public const int DisallowReducedPrecisionReduction = 16;
    public const int DataF32 = 0, DataF16 = 2, DataBF16 = 14;
    public const int ComputeF32 = 68;
    public const int GemmDefault = -1;

    /// <summary>CUBLAS_STATUS_NOT_SUPPORTED: also what a cuBLASLt heuristic that found no algorithm is reported
    /// as.</summary>
    public const int StatusNotSupported = 15;

    [LibraryImport(NativeLibraries.Cublas, EntryPoint = "cublasCreate_v2")]
    public static partial int Create(out nint handle);
    [LibraryImport(NativeLibraries.Cublas, EntryPoint = "cublasDestroy_v2")]
    public static partial int Destroy(nint handle);
    [LibraryImport(NativeLibraries.Cublas, EntryPoint = "cublasSetStream_v2")]
    public static partial int SetStream(nint handle, nint stream);
    [LibraryImport(NativeLibraries.Cublas, EntryPoint = "cublasSetMathMode")]
    public static partial int SetMathMode(nint handle, int mode);
    [LibraryImport(NativeLibraries.Cublas, EntryPoint = "cublasSetWorkspace_v2")]
    public static partial int SetWorkspace(nint handle, nint workspace, nuint bytes);

    [LibraryImport(NativeLibraries.Cublas, EntryPoint = "cublasSgemmStridedBatched")]
    public static partial int SgemmStridedBatched(nint handle, int transA, int transB, int m, int n, int k,
        in float alpha,
        nint a, int lda, long strideA, nint b, int ldb, long strideB, in float beta, nint c, int ldc, long strideC,
            int batch);

    [LibraryImport(NativeLibraries.Cublas, EntryPoint = "cublasGemmEx")]
    public static partial int GemmEx(nint handle, int transA, int transB, int m, int n, int k, in float alpha,
        nint a, int aType, int lda, nint b, int bType, int ldb, in float beta, nint c, int cType, int ldc,
            int computeType, int algorithm);

    [LibraryImport(NativeLibraries.Cublas, EntryPoint = "cublasGemmStridedBatchedEx")]
    public static partial int GemmStridedBatchedEx(nint handle, int transA, int transB, int m, int n, int k,
        in float alpha,
        nint a, int aType, int lda, long strideA, nint b, int bType, int ldb, long strideB, in float beta,
        nint c, int cType, int ldc, long strideC, int batch, int computeType, int algorithm);

    /// <summary>Throws a <see cref="CudaException"/> naming the call, the cublasStatus_t (e.g.
    /// CUBLAS_STATUS_INVALID_VALUE) and the context.</summary>
    public static void Check(int status, string call, string context)
    {
        if (status != 0) throw new CudaException(call, status, StatusName(status), context);
    }

    // cublasGetStatusName only exists from cuBLAS 11.4 on; the codes are stable across versions.
    private static string StatusName(int status) => status switch
    {
        1 => "CUBLAS_STATUS_NOT_INITIALIZED",
        3 => "CUBLAS_STATUS_ALLOC_FAILED",
        7 => "CUBLAS_STATUS_INVALID_VALUE",
        8 => "CUBLAS_STATUS_ARCH_MISMATCH",
        11 => "CUBLAS_STATUS_MAPPING_ERROR",
        13 => "CUBLAS_STATUS_EXECUTION_FAILED",
        14 => "CUBLAS_STATUS_INTERNAL_ERROR",
        StatusNotSupported => "CUBLAS_STATUS_NOT_SUPPORTED",
        16 => "CUBLAS_STATUS_LICENSE_ERROR",
        _ => "CUBLAS_STATUS_UNKNOWN",
    };
}
