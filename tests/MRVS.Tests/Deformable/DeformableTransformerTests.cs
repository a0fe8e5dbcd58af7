using MRVS.Backends.Cpu;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Tensors;
using MRVS.Models.Config;
using MRVS.Models.Deformable;
using MRVS.Tests.Support;

namespace MRVS.Tests.Deformable;

public class DeformableTransformerTests
{
    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void EncoderAndDecoderMatchTheFixture(string fixture)
    {
        using var f = new FixtureGraph(fixture);
        var b = f.Builder;
        var sources = Enumerable.Range(0, 4).Select(l => f.Feed($"transformer.in.src.{l}")).ToArray();
        var masks = Enumerable.Range(0, 4).Select(l => f.Feed($"transformer.in.mask.{l}")).ToArray();
        var pos = Enumerable.Range(0, 4).Select(l => f.Feed($"transformer.in.pos.{l}")).ToArray();
        int t = sources[0].Dim(0), q = b.Config.Transformer.NumQueries, d = b.Config.Transformer.DModel;
        var target = b.Config.Family == ModelFamily.SocPlusPlus ? f.Feed("transformer.in.tgt", t, q, d) : null;
        DeformableTransformer.Build(b, sources, masks, pos, target);
        var compared = f.RunAndCompare();
        Assert.That(compared,
            Does.Contain("transformer.memory").And.Contain("transformer.hs")
                .And.Contain("transformer.inter_references"));
    }

    /// <summary>
    /// The fixtures have no padding (B = 1), so the masked path is checked by invariance: with padded frames, changing
    /// the sources and position encodings under the padding must leave the memory of valid tokens and the decoder
    /// outputs bit-identical (padded value rows are zeroed; valid ratios rescale the reference points).
    /// </summary>
    [Test]
    public void PaddedTokensDoNotReachValidTokensOrQueries()
    {
        using var f = new FixtureGraph("socpp-tiny");
        var b = f.Builder;
        var feeds = new Dictionary<string, Tensor>();
        Value Input(string name, Tensor t) { feeds[name] = t; return b.Graph.Input(name, t.DType, t.Shape); }
        var sources = new Value[4]; var masks = new Value[4]; var pos = new Value[4];
        for (int l = 0; l < 4; l++)
        {
            var src = f.Outputs.Get($"transformer.in.src.{l}");
            int frames = src.Shape[0], h = src.Shape[2], w = src.Shape[3];
            var mask = Tensor.Zeros(DType.Bool, frames, h, w);
            var bits = mask.Span<byte>();
            for (int t = 0; t < frames; t++)
            {
                int rows = h - t * (h - 1) / 4, cols = w - (frames - 1 - t) * (w - 1) / 4;
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < w; j++) bits[(t * h + i) * w + j] = (byte)(i >= rows || j >= cols ? 1 : 0);
            }
            sources[l] = Input($"src.{l}", src);
            masks[l] = Input($"mask.{l}", mask);
            pos[l] = Input($"pos.{l}", f.Outputs.Get($"transformer.in.pos.{l}"));
        }
        var tgt = f.Outputs.Get("transformer.in.tgt");
        var output = DeformableTransformer.Build(b, sources, masks, pos, Input("tgt", tgt.Reshaped(tgt.Shape[1..])));
        b.Tap("memory", output.Memory);
        b.Tap("hs", output.Hs);
        b.Tap("references", output.InterReferences);
        b.Tap("padding", b.Graph.Taps["transformer.encoder.in.padding_mask"]);
        using var ex = new Executor(b.Graph, new CpuBackend(), ["memory", "hs", "references", "padding"]);
        var clean = ex.Run(feeds).Outputs;

        var rng = new Random(5);
        for (int l = 0; l < 4; l++)
        {
            var bits = feeds[$"mask.{l}"].Span<byte>();
            foreach (var name in new[] { $"src.{l}", $"pos.{l}" })
            {
                var x = feeds[name] = Tensor.FromSpan<float>(feeds[name].Span<float>(), feeds[name].Shape);
                var v = x.Span<float>();
                int plane = bits.Length / x.Shape[0], d = x.Shape[1];
                for (int i = 0; i < v.Length; i++)
                {
                    int frame = i / (d * plane), pixel = i % plane;
                    if (bits[frame * plane + pixel] != 0) v[i] = (float)(rng.NextDouble() * 20 - 10);
                }
            }
        }
        var perturbed = ex.Run(feeds).Outputs;

        Assert.That(perturbed["hs"].ToDoubleArray(), Is.EqualTo(clean["hs"].ToDoubleArray()), "decoder states");
        Assert.That(perturbed["references"].ToDoubleArray(), Is.EqualTo(clean["references"].ToDoubleArray()),
            "reference boxes");
        var padding = clean["padding"].Span<byte>();
        var a = clean["memory"].ToDoubleArray(); var p = perturbed["memory"].ToDoubleArray();
        int dm = clean["memory"].Shape[2];
        int changedPadded = 0;
        for (int token = 0; token < padding.Length; token++)
            for (int c = 0; c < dm; c++)
            {
                if (padding[token] == 0)
                    Assert.That(p[token * dm + c], Is.EqualTo(a[token * dm + c]), $"memory of valid token {token}");
                else if (p[token * dm + c] != a[token * dm + c]) changedPadded++;
            }
        Assert.That(changedPadded, Is.GreaterThan(0), "the perturbation reached the padded tokens");
    }

    [Test]
    public void WrongLevelCountIsReportedInModelTerms()
    {
        using var f = new FixtureGraph("soc-tiny");
        var sources = Enumerable.Range(0, 3).Select(l => f.Feed($"transformer.in.src.{l}")).ToArray();
        var masks = Enumerable.Range(0, 3).Select(l => f.Feed($"transformer.in.mask.{l}")).ToArray();
        var pos = Enumerable.Range(0, 3).Select(l => f.Feed($"transformer.in.pos.{l}")).ToArray();
        var ex = Assert.Throws<ShapeException>(() => DeformableTransformer.Build(f.Builder, sources, masks, pos, null));
        Assert.That(ex!.Message, Does.Contain("num_feature_levels = 4"));
    }
}
