using System.Runtime.InteropServices;

namespace MRVS.Backends.Cuda.Interop;

/// <summary>
/// The cuBLASLt calls the backend uses for GEMMs with an epilogue (bias, ReLU, C as a residual): handle, matmul
/// descriptor, matrix layouts, heuristic preference, algorithm heuristic, matmul. Every call returns a cublasStatus_t,
/// checked with <see cref="Cublas.Check"/>. Attribute and enum values are those of cublasLt.h, stable from CUDA 11 to
/// 13; each attribute's C type is in its comment, and the value passed must have exactly that size.
/// </summary>
internal static unsafe partial class CublasLt
{
    /// <summary>cublasLtMatmulDescAttributes_t: TRANSA and TRANSB (int32), EPILOGUE (uint32), BIAS_POINTER
    /// (void*), BIAS_BATCH_STRIDE (int64, elements).</summary>
    public const int DescTransA = 3, DescTransB = 4, DescEpilogue = 7, DescBiasPointer = 8, DescBiasBatchStride = 10;

    /// <summary>cublasLtEpilogue_t.</summary>
    public const uint EpilogueDefault = 1, EpilogueRelu = 2, EpilogueBias = 4, EpilogueReluBias = 6;

    /// <summary>cublasLtMatrixLayoutAttribute_t: batch count (int32) and strided batch offset in elements
    /// (int64).</summary>
    public const int LayoutBatchCount = 5, LayoutStridedBatchOffset = 6;

    /// <summary>cublasLtMatmulPreferenceAttributes_t: workspace limit (uint64), minimum alignments in bytes of A, B, C
    /// and D (uint32 each; the heuristic assumes 256 unless told).</summary>
    public const int PreferenceMaxWorkspaceBytes = 1, PreferenceMinAlignmentA = 5, PreferenceMinAlignmentB = 6,
        PreferenceMinAlignmentC = 7, PreferenceMinAlignmentD = 8;

    /// <summary>cublasComputeType_t: float32, and float32 with TF32 tensor cores (float32 operands only).</summary>
    public const int ComputeF32 = 68, ComputeF32FastTf32 = 77;

    /// <summary>cublasLtMatmulAlgo_t: 8 opaque 64-bit words.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MatmulAlgo
    {
        public fixed ulong Data[8];
    }

    /// <summary>cublasLtMatmulHeuristicResult_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct HeuristicResult
    {
        public MatmulAlgo Algo;
        public nuint WorkspaceSize;
        public int State;
        public float WavesCount;
        public fixed int Reserved[4];
    }

    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtCreate")]
    public static partial int Create(out nint handle);
    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtDestroy")]
    public static partial int Destroy(nint handle);

    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtMatmulDescCreate")]
    public static partial int MatmulDescCreate(out nint desc, int computeType, int scaleType);
    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtMatmulDescDestroy")]
    public static partial int MatmulDescDestroy(nint desc);
    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtMatmulDescSetAttribute")]
    public static partial int MatmulDescSetAttribute(nint desc, int attribute, void* value, nuint bytes);

    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtMatrixLayoutCreate")]
    public static partial int MatrixLayoutCreate(out nint layout, int type, ulong rows, ulong cols, long ld);
    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtMatrixLayoutDestroy")]
    public static partial int MatrixLayoutDestroy(nint layout);
    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtMatrixLayoutSetAttribute")]
    public static partial int MatrixLayoutSetAttribute(nint layout, int attribute, void* value, nuint bytes);

    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtMatmulPreferenceCreate")]
    public static partial int MatmulPreferenceCreate(out nint preference);
    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtMatmulPreferenceDestroy")]
    public static partial int MatmulPreferenceDestroy(nint preference);
    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtMatmulPreferenceSetAttribute")]
    public static partial int MatmulPreferenceSetAttribute(nint preference, int attribute, void* value, nuint bytes);

    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtMatmulAlgoGetHeuristic")]
    public static partial int MatmulAlgoGetHeuristic(nint handle, nint desc, nint layoutA, nint layoutB, nint layoutC,
        nint layoutD, nint preference, int requested, HeuristicResult* results, out int returned);

    /// <summary>D = epilogue(alpha · op(A) · op(B) + beta · C); alpha and beta in host memory (the default pointer
    /// mode).</summary>
    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtMatmul")]
    public static partial int Matmul(nint handle, nint desc, in float alpha, nint a, nint layoutA, nint b,
        nint layoutB, in float beta, nint c, nint layoutC, nint d, nint layoutD, MatmulAlgo* algo, nint workspace,
        nuint workspaceBytes, nint stream);
}
