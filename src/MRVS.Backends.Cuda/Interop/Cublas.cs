using System.Runtime.InteropServices;

namespace MRVS.Backends.Cuda.Interop;

/// <summary>The cuBLAS calls the backend uses: handle, stream, math mode, strided-batched SGEMM.</summary>
internal static partial class Cublas
{
    public const int OpN = 0, OpT = 1;
    public const int DefaultMath = 0, Tf32TensorOpMath = 3;

    [LibraryImport(NativeLibraries.Cublas, EntryPoint = "cublasCreate_v2")] public static partial int Create(out nint handle);
    [LibraryImport(NativeLibraries.Cublas, EntryPoint = "cublasDestroy_v2")] public static partial int Destroy(nint handle);
    [LibraryImport(NativeLibraries.Cublas, EntryPoint = "cublasSetMathMode")] public static partial int SetMathMode(nint handle, int mode);
    [LibraryImport(NativeLibraries.Cublas, EntryPoint = "cublasSgemmStridedBatched")]
    public static partial int SgemmStridedBatched(nint handle, int transA, int transB, int m, int n, int k, in float alpha,
        nint a, int lda, long strideA, nint b, int ldb, long strideB, in float beta, nint c, int ldc, long strideC, int batch);

    public static void Check(int status, string call, string context)
    {
        if (status != 0) throw new CudaException(call, status, $"CUBLAS_STATUS_{status}", context);
    }
}
