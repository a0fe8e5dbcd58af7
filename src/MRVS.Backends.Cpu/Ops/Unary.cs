using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Numerics;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="UnaryOp"/>.</summary>
public sealed unsafe class Unary : CpuKernel<UnaryOp>
{
    protected override void Run(UnaryOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        nint px = inputs[0].Ptr, py = output.Ptr;
        var (f, alpha, beta) = (op.Function, op.Alpha, op.Beta);
        CpuParallel.For(output.Elements, i =>
            ((float*)py)[i] = Apply(f, ((float*)px)[i], alpha, beta), minPerThread: 8192);
    }

    public static float Apply(UnaryKind f, float x, float alpha, float beta) => f switch
    {
        UnaryKind.Relu => Activations.Relu(x),
        UnaryKind.Gelu => Activations.Gelu(x),
        UnaryKind.Sigmoid => ScalarActivations.Sigmoid(x),
        UnaryKind.Tanh => MathF.Tanh(x),
        UnaryKind.InverseSigmoid => InverseSigmoid(x),
        _ => alpha * x + beta,
    };

    /// <summary>Deformable DETR's inverse_sigmoid with eps 1e-5.</summary>
    public static float InverseSigmoid(float x)
    {
        x = Math.Clamp(x, 0f, 1f);
        float x1 = MathF.Max(x, 1e-5f), x2 = MathF.Max(1f - x, 1e-5f);
        return MathF.Log(x1 / x2);
    }
}
