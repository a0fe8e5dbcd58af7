using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.IO;
using MRVS.Core.Tensors;
using MRVS.Tests.Support;
using static MRVS.Tests.Support.OpRunner;

namespace MRVS.Tests.Masks;

/// <summary>
/// The referred query, decided once on the backend: the official choice on the fixtures, and masks and scores that
/// follow the one decision when two queries nearly tie (where a second choice on the host could pick the other).
/// </summary>
public class ReferredQueryOpTests
{
    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void DecidesTheOfficialQuery(string fixture)
    {
        using var outputs = SafeTensorsFile.Open(Fixtures.File(fixture, "outputs.safetensors"));
        using var post = SafeTensorsFile.Open(Fixtures.File(fixture, "postprocess.safetensors"));
        using var cls = outputs.Get("out.pred_cls");
        var decision = Run(new ReferredQueryOp(), cls).Span<float>();
        Assert.That(ReferredQueryOp.Query(decision),
            Is.EqualTo(post.Get("post.pred_trajectory_indices").Span<long>()[0]));
        TensorAssert.Close(Tensor.FromSpan(ReferredQueryOp.ClipScores(decision, cls.Shape[0]),
            post.Get("post.max_scores").Shape),
            post.Get("post.max_scores"), "clip scores");
    }

    [Test]
    public void ExactTiesGoToTheFirstQuery()
    {
        var cls = Tensor.FromSpan<float>([0.5f, 2f, 2f, -1f, 1f, 1f], 2, 1, 3, 1);
        Assert.That(ReferredQueryOp.Query(Run(new ReferredQueryOp(), cls).Span<float>()), Is.EqualTo(1));
    }

    /// <summary>
    /// Queries 0 and 1 have clip scores a rounding apart (logits ±3 in swapped frames, one nudged by an ulp), but
    /// opposite masks (all in, all out) and opposite frame scores: whichever the backend picks, the mask and every
    /// frame's score must be that query's.
    /// </summary>
    [TestCase("cpu", 0f)]
    [TestCase("cpu", 3e-7f)]
    [TestCase("cuda-emu", 0f)]
    [TestCase("cuda-emu", 3e-7f)]
    [TestCase("cuda", 0f)]
    [TestCase("cuda", 3e-7f)]
    public void MasksAndScoresFollowOneDecisionWhenQueriesNearlyTie(string backendName, float nudge)
    {
        const int frames = 2, queries = 3, h = 4, w = 6;
        float[] logits = [3f, -3f + nudge, -8f, -3f, 3f, -8f]; // [frame, query]
        var cls = Tensor.FromSpan<float>(logits, frames, 1, queries, 1);
        var masks = Tensor.Zeros(DType.F32, frames, 1, queries, h, w);
        var m = masks.Span<float>();
        for (int t = 0; t < frames; t++)
            for (int q = 0; q < queries; q++)
                m.Slice((t * queries + q) * h * w, h * w).Fill(q == 0 ? 5f : -5f);

        var g = new ComputeGraph();
        var decision = g.Add(new ReferredQueryOp(), "decision", g.Input("cls", DType.F32, cls.Shape));
        g.Tap("decision", decision);
        g.Tap("masks", g.Add(new ReferredMaskOp((4 * h, 4 * w), (4 * h, 4 * w), (9, 13)), "referred", decision,
            g.Input("masks", DType.F32, masks.Shape)));
        using var backend = TestBackends.Create(backendName);
        using var executor = new Executor(g, backend);
        var outputs = executor.Run(new Dictionary<string, Tensor> { ["cls"] = cls, ["masks"] = masks }).Outputs;

        var d = outputs["decision"].Span<float>();
        int chosen = ReferredQueryOp.Query(d);
        Assert.That(chosen, Is.EqualTo(0).Or.EqualTo(1), "one of the two tied queries");
        Assert.That(outputs["masks"].Span<byte>().ToArray(), Is.All.EqualTo(chosen == 0 ? 1 : 0),
            $"the mask of query {chosen}");
        var scores = ReferredQueryOp.FrameScores(d, frames).ToArray();
        for (int t = 0; t < frames; t++)
            Assert.That(scores[t], Is.EqualTo(1 / (1 + Math.Exp(-logits[t * queries + chosen]))).Within(1e-6),
                $"frame {t}: the score of query {chosen}");
        if (nudge == 0 && backendName == "cpu") Assert.That(chosen, Is.EqualTo(0),
            "an exact tie goes to the first query");
    }
}
