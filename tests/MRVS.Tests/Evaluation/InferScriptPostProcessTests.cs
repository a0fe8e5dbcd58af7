using MRVS.Core.Graph.Ops;
using MRVS.Core.Numerics;
using MRVS.Core.Tensors;
using MRVS.Models.PostProcessing;

namespace MRVS.Tests.Evaluation;

/// <summary>
/// The infer scripts' post-processing reads the backend's decision of the referred query (it never chooses again)
/// and resizes that query's logits bilinearly straight to the frame size.
/// </summary>
public class InferScriptPostProcessTests
{
    /// <summary>Decision [1 + Q + T] for 2 queries over 2 frames: the chosen index, clip scores, frame
    /// scores.</summary>
    private static Tensor Decision(int query, float score0, float score1) =>
        Tensor.FromSpan<float>([query, score0, score1, 0.5f, 0.5f], ReferredQueryOp.Length(2, 2));

    [Test]
    public void TheDecidedQueryIsTakenEvenWhereAnotherScoresHigher()
    {
        // Query 0's logits are +5 everywhere, query 1's −5; the decision names query 1 although its clip score is
        // the lower one (a decision is read, not re-derived): every probability is sigmoid(−5).
        var logits = new float[2 * 2 * 2 * 2];
        for (int t = 0; t < 2; t++)
            for (int i = 0; i < 4; i++) (logits[(t * 2 + 0) * 4 + i], logits[(t * 2 + 1) * 4 + i]) = (5f, -5f);
        using var masks = Tensor.FromSpan<float>(logits, 2, 1, 2, 2, 2);
        using var decision = Decision(1, 0.9f, 0.1f);
        var p = InferScriptPostProcess.Probabilities(decision, masks, (3, 5));
        Assert.That(p, Has.Length.EqualTo(2 * 3 * 5));
        Assert.That(p, Has.All.EqualTo(ScalarActivations.Sigmoid(-5f)));
        Assert.That(InferScriptPostProcess.Threshold(p), Has.All.EqualTo((byte)0));
    }

    [Test]
    public void LogitsAreResizedBilinearlyStraightToTheFrame()
    {
        // One frame, one query, logits [0 4; 0 4] to 2×4 (align_corners = False): source x = (x + 0.5)/2 − 0.5,
        // clamped at 0, gives 0, 0.25, 0.75, 1 (clamped tap) → logits 0, 1, 3, 4 on both rows.
        using var masks = Tensor.FromSpan<float>([0f, 4f, 0f, 4f], 1, 1, 1, 2, 2);
        using var decision = Tensor.FromSpan<float>([0f, 0.5f, 0.5f], ReferredQueryOp.Length(1, 1));
        var p = InferScriptPostProcess.Probabilities(decision, masks, (2, 4));
        var expected = new[] { 0f, 1f, 3f, 4f, 0f, 1f, 3f, 4f }.Select(ScalarActivations.Sigmoid).ToArray();
        Assert.That(p, Is.EqualTo(expected).Within(1e-6f));
        Assert.That(InferScriptPostProcess.Threshold(p), Is.EqualTo(new byte[] { 0, 1, 1, 1, 0, 1, 1, 1 }));
    }
}
