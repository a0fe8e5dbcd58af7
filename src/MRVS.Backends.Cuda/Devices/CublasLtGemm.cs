using MRVS.Backends.Cuda.Interop;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cuda.Devices;

/// <summary>
/// The GPU's GEMMs with a <see cref="GemmEpilogue"/>, as one cublasLtMatmul: D = relu?(alpha · op(A) · op(B) + beta ·
/// C + bias) with the residual as C (beta = 1; C may be D, in place), CUBLASLT_EPILOGUE_BIAS, _RELU_BIAS or _RELU,
/// float32 compute (TF32 only if the device was asked for it, float32 operands only) and float32, fp16 or bf16
/// operands: cuBLASLt's table of supported types has a float32 bias for each of these with a float32 D; or, with 16-bit
/// operands, a D of their type (no residual) and the bias in that type too, cuBLASLt's default for a 16-bit D (as
/// PyTorch's 16-bit addmm passes it). Row-major as column-major like <see cref="CudaDevice.Gemm"/>, D^T = op(B)^T ·
/// A^T, so the bias, one value per column of the row-major result, is cuBLASLt's bias over the rows of D^T. Each
/// shape's descriptor, layouts and heuristic choice are made on its first call and kept, keyed also by the alignment of
/// every pointer (the heuristic assumes 256 bytes unless told, and reads the bias pointer's); the workspace is the
/// device's preallocated cuBLAS one (one stream, so never in use by both at once), so a GEMM replayed from a captured
/// graph
/// allocates nothing. Every call is checked.
/// </summary>
internal sealed unsafe class CublasLtGemm : IDisposable
{
    private const int MaxAlignment = 256;
    private readonly nint _handle, _stream, _workspace;
    private readonly nuint _workspaceBytes;
    private readonly int _computeF32;
    private readonly Dictionary<PlanKey, Plan> _plans = [];

    private readonly record struct PlanKey(int M, int N, int K, bool TransposeB, int Batch, long StrideA, long StrideB,
        long StrideC, DType Inputs, DType Output, bool Bias, long BiasStride, bool Residual, bool Relu, int AlignA,
        int AlignB, int AlignC, int AlignD, int AlignBias);

    /// <summary>A shape's descriptor, its layouts of A, B and C (= D) as cuBLASLt sees them, and the chosen
    /// algorithm.</summary>
    private sealed class Plan(ReleaseStack resources) : IDisposable
    {
        public nint Desc, A, B, C;
        public CublasLt.MatmulAlgo Algo;
        public void Dispose() => resources.Dispose();
    }

    /// <param name="stream">The device's stream, on which cuBLAS runs too.</param>
    /// <param name="workspace">Device memory of <paramref name="workspaceBytes"/>, shared with cuBLAS.</param>
    public CublasLtGemm(nint stream, nint workspace, long workspaceBytes, bool allowTf32)
    {
        _stream = stream;
        _workspace = workspace;
        _workspaceBytes = (nuint)workspaceBytes;
        _computeF32 = allowTf32 ? CublasLt.ComputeF32FastTf32 : CublasLt.ComputeF32;
        Cublas.Check(CublasLt.Create(out _handle), "cublasLtCreate", "creating the cuBLASLt handle");
    }

    /// <summary>Row-major C[b] = epilogue(alpha · A[b] · op(B[b])) as <see cref="IGpuDevice.Gemm"/>, C
    /// float32 or, without a residual, the 16-bit inputs' type.</summary>
    public void Run(nint a, nint b, nint c, int m, int n, int k, bool transposeB, float alpha, int batch, long strideA,
        long strideB, long strideC, DType inputs, DType output, GemmEpilogue epilogue, string what)
    {
        // Without a residual C is D, and beta = 0: cuBLASLt does not read it.
        nint residual = epilogue.Residual == 0 ? c : epilogue.Residual;
        int size = inputs.Size(), outputSize = output.Size();
        long bytesA = batch > 1 ? strideA * size : 0, bytesB = batch > 1 ? strideB * size : 0,
            bytesC = batch > 1 ? strideC * outputSize : 0;
        long biasStride = batch > 1 ? epilogue.BiasStride : 0;
        var key = new PlanKey(m, n, k, transposeB, batch, strideA, strideB, strideC, inputs, output,
            epilogue.Bias != 0, biasStride, epilogue.Residual != 0, epilogue.Relu, Alignment(a, bytesA),
            Alignment(b, bytesB), Alignment(residual, bytesC), Alignment(c, bytesC),
            Alignment(epilogue.Bias, biasStride * outputSize));
        if (!_plans.TryGetValue(key, out var plan)) _plans[key] = plan = CreatePlan(key, epilogue.Bias, what);
        if (epilogue.Bias != 0) SetDesc(plan.Desc, CublasLt.DescBiasPointer, "BIAS_POINTER", epilogue.Bias, what);
        var algo = plan.Algo;
        Cublas.Check(CublasLt.Matmul(_handle, plan.Desc, alpha, b, plan.A, a, plan.B, epilogue.Residual != 0 ? 1f : 0f,
            residual, plan.C, c, plan.C, &algo, _workspace, _workspaceBytes, _stream), "cublasLtMatmul", what);
    }

    /// <summary>
    /// The largest power of two up to 256 that divides the address and the batch stride in bytes (so every matrix of
    /// the batch has it); 256 for no pointer.
    /// </summary>
    private static int Alignment(nint p, long strideBytes)
    {
        long bits = p | strideBytes;
        return p == 0 ? MaxAlignment : (int)Math.Min(MaxAlignment, bits & -bits);
    }

    private Plan CreatePlan(PlanKey key, nint bias, string what)
    {
        var resources = new ReleaseStack();
        var plan = new Plan(resources);
        try
        {
            int type = key.Inputs switch
            {
                DType.F16 => Cublas.DataF16,
                DType.BF16 => Cublas.DataBF16,
                _ => Cublas.DataF32,
            };
            Cublas.Check(CublasLt.MatmulDescCreate(out plan.Desc, key.Inputs == DType.F32 ? _computeF32
                : CublasLt.ComputeF32, Cublas.DataF32), "cublasLtMatmulDescCreate", what);
            nint desc = plan.Desc;
            resources.Push(() => Cublas.Check(CublasLt.MatmulDescDestroy(desc), "cublasLtMatmulDescDestroy", what));
            SetDesc(desc, CublasLt.DescTransA, "TRANSA", key.TransposeB ? Cublas.OpT : Cublas.OpN, what);
            SetDesc(desc, CublasLt.DescTransB, "TRANSB", Cublas.OpN, what);
            uint epilogue = (key.Bias, key.Relu) switch
            {
                (true, true) => CublasLt.EpilogueReluBias,
                (true, false) => CublasLt.EpilogueBias,
                (false, true) => CublasLt.EpilogueRelu,
                _ => CublasLt.EpilogueDefault,
            };
            SetDesc(desc, CublasLt.DescEpilogue, "EPILOGUE", epilogue, what);
            // The heuristic reads the bias pointer for its alignment.
            if (key.Bias) SetDesc(desc, CublasLt.DescBiasPointer, "BIAS_POINTER", bias, what);
            if (key.BiasStride != 0)
                SetDesc(desc, CublasLt.DescBiasBatchStride, "BIAS_BATCH_STRIDE", key.BiasStride, what);
            // cuBLASLt's A is our B ([N, K] when transposed, else [K, N]), its B our A [M, K], its C and D our C^T.
            plan.A = key.TransposeB ? Layout(resources, type, key.K, key.N, key.Batch, key.StrideB, what)
                : Layout(resources, type, key.N, key.K, key.Batch, key.StrideB, what);
            plan.B = Layout(resources, type, key.K, key.M, key.Batch, key.StrideA, what);
            plan.C = Layout(resources, key.Output == DType.F32 ? Cublas.DataF32 : type, key.N, key.M, key.Batch,
                key.StrideC, what);
            plan.Algo = Choose(plan, key, what);
            return plan;
        }
        catch
        {
            resources.ReleaseAfterFailure();
            throw;
        }
    }

    /// <summary>A column-major layout of rows × cols (leading dimension rows), batched when batch > 1.</summary>
    private static nint Layout(ReleaseStack resources, int type, int rows, int cols, int batch, long stride,
        string what)
    {
        Cublas.Check(CublasLt.MatrixLayoutCreate(out var layout, type, (ulong)rows, (ulong)cols, rows),
            "cublasLtMatrixLayoutCreate", what);
        resources.Push(() => Cublas.Check(CublasLt.MatrixLayoutDestroy(layout), "cublasLtMatrixLayoutDestroy", what));
        if (batch > 1)
        {
            Cublas.Check(CublasLt.MatrixLayoutSetAttribute(layout, CublasLt.LayoutBatchCount, &batch, sizeof(int)),
                "cublasLtMatrixLayoutSetAttribute(CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT)", what);
            Cublas.Check(CublasLt.MatrixLayoutSetAttribute(layout, CublasLt.LayoutStridedBatchOffset, &stride,
                sizeof(long)), "cublasLtMatrixLayoutSetAttribute(CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET)", what);
        }
        return layout;
    }

    /// <summary>The heuristic's first algorithm for the plan within the workspace and the pointers'
    /// alignments.</summary>
    private CublasLt.MatmulAlgo Choose(Plan plan, PlanKey key, string what)
    {
        Cublas.Check(CublasLt.MatmulPreferenceCreate(out var preference), "cublasLtMatmulPreferenceCreate", what);
        try
        {
            ulong workspace = _workspaceBytes;
            Cublas.Check(CublasLt.MatmulPreferenceSetAttribute(preference, CublasLt.PreferenceMaxWorkspaceBytes,
                &workspace, sizeof(ulong)), "cublasLtMatmulPreferenceSetAttribute(MAX_WORKSPACE_BYTES)", what);
            // cuBLASLt's A is our B and its B our A.
            foreach (var (attribute, alignment) in new[] { (CublasLt.PreferenceMinAlignmentA, key.AlignB),
                         (CublasLt.PreferenceMinAlignmentB, key.AlignA), (CublasLt.PreferenceMinAlignmentC, key.AlignC),
                         (CublasLt.PreferenceMinAlignmentD, key.AlignD) })
            {
                uint bytes = (uint)alignment;
                Cublas.Check(CublasLt.MatmulPreferenceSetAttribute(preference, attribute, &bytes, sizeof(uint)),
                    "cublasLtMatmulPreferenceSetAttribute(MIN_ALIGNMENT)", what);
            }
            var result = default(CublasLt.HeuristicResult);
            Cublas.Check(CublasLt.MatmulAlgoGetHeuristic(_handle, plan.Desc, plan.A, plan.B, plan.C, plan.C,
                preference, 1, &result, out int returned), "cublasLtMatmulAlgoGetHeuristic", what);
            Cublas.Check(returned == 0 ? Cublas.StatusNotSupported : result.State, "cublasLtMatmulAlgoGetHeuristic",
                $"{what}: no algorithm for alignments A {key.AlignA}, B {key.AlignB}, C {key.AlignC}, " +
                $"D {key.AlignD}, bias {key.AlignBias} bytes");
            return result.Algo;
        }
        finally
        {
            Cublas.Check(CublasLt.MatmulPreferenceDestroy(preference), "cublasLtMatmulPreferenceDestroy", what);
        }
    }

    /// <param name="name">The attribute's name after CUBLASLT_MATMUL_DESC_, for the error.</param>
    private static void SetDesc<T>(nint desc, int attribute, string name, T value, string what) where T : unmanaged =>
        Cublas.Check(CublasLt.MatmulDescSetAttribute(desc, attribute, &value, (nuint)sizeof(T)),
            $"cublasLtMatmulDescSetAttribute(CUBLASLT_MATMUL_DESC_{name})", what);

    /// <summary>Releases every plan, then the handle; every step runs even if one fails.</summary>
    public void Dispose()
    {
        var releases = _plans.Values.Select(p => (Action)p.Dispose).ToList();
        _plans.Clear();
        releases.Add(() => Cublas.Check(CublasLt.Destroy(_handle), "cublasLtDestroy", "releasing the cuBLASLt handle"));
        Release.All([.. releases]);
    }
}
