using System.Diagnostics;
using MRVS.Core.Errors;
using MRVS.Core.Execution;
using MRVS.Core.IO;
using MRVS.Core.Numerics;
using MRVS.Core.Tensors;
using MRVS.Models;
using MRVS.Models.Building;
using MRVS.Models.Config;
using MRVS.Models.PostProcessing;

namespace MRVS.Pipeline.Verification;

/// <summary>
/// Runs a fixture folder (config.json, weights.safetensors, inputs.safetensors, outputs.safetensors,
/// postprocess.safetensors) and compares every reference tensor by name with the fixtures' tolerances:
/// floats max|a − b| ≤ 1e-4·max|b| + 1e-6 (f64.* references against the engine's float32 tensor of the same
/// name), integers and booleans exactly, binary masks exactly except at pixels whose reference logit is within
/// 1e-4 of the threshold. A reference tensor the engine cannot produce fails. A backend with fp16 / bf16 GEMMs cannot
/// hold those tolerances: its verdict is the IoU of the final thresholded masks with the fixture's, which must reach
/// <see cref="MinimumMaskIou"/> (the tensors are still compared, for information).
/// </summary>
public static class FixtureVerifier
{
    /// <summary>Float tolerance relative to the reference's largest magnitude.</summary>
    public const double RelativeToScale = 1e-4;

    /// <summary>Float tolerance added to the relative one.</summary>
    public const double Absolute = 1e-6;

    /// <summary>Mask pixels whose reference logit is this close to the threshold may differ.</summary>
    public const double AmbiguousLogit = 1e-4;

    /// <summary>The final masks' IoU a reduced-precision run needs.</summary>
    public const double MinimumMaskIou = 0.99;

    /// <summary>The fixture tensor holding the final masks.</summary>
    public const string FinalMasks = "post.video0.pred_masks";

    /// <summary>
    /// Runs the fixture in <paramref name="fixtureDir"/> on <paramref name="backend"/> and compares every reference
    /// tensor.
    /// </summary>
    /// <param name="fixtureDir">The fixture's folder.</param>
    /// <param name="backend">Where the forward runs.</param>
    /// <param name="finalOutputsOnly">
    /// Request only the model's outputs (pred_cls, pred_masks) and compare those and the post-processing: the
    /// forward then runs as in production, fused by the graph-level fusion pass, instead of keeping every intermediate.
    /// </param>
    public static VerificationReport Run(string fixtureDir, IBackend backend, bool finalOutputsOnly = false)
    {
        string F(string name)
        {
            var p = Path.Combine(fixtureDir, name);
            if (!File.Exists(p)) throw new MrvsException(MrvsErrorKind.BadInput,
                $"{fixtureDir}: missing {name} (a fixture folder holds config.json, weights.safetensors, " +
                    "inputs.safetensors, outputs.safetensors, postprocess.safetensors)");
            return p;
        }
        var config = ModelConfig.Load(F("config.json"));
        using var weightsFile = SafeTensorsFile.Open(F("weights.safetensors"));
        using var inputs = SafeTensorsFile.Open(F("inputs.safetensors"));
        using var outputs = SafeTensorsFile.Open(F("outputs.safetensors"));
        using var post = SafeTensorsFile.Open(F("postprocess.safetensors"));

        var frames = Need(inputs, SocModel.Frames);
        var ids = Need(inputs, SocModel.InputIds);
        var size = Need(inputs, "targets.size").Span<long>();
        if (frames.Rank != 5 || frames.Shape[1] != 1)
            throw new MrvsException(MrvsErrorKind.BadInput,
                $"{inputs.Path}: '{SocModel.Frames}' is {frames}, expected F32[T, 1, 3, H, W] (B = 1)");
        var shape = new ForwardShape(frames.Shape[0], frames.Shape[3], frames.Shape[4], ids.Shape[1], (int)size[0],
            (int)size[1]);
        // The model's masks are constants: one video and one sentence, nothing padded.
        if (Need(inputs, SocModel.PixelMask).Span<byte>().ContainsAnyExcept((byte)0)
            || Need(inputs, SocModel.AttentionMask).Span<long>().ContainsAnyExcept(1L))
            throw new MrvsException(MrvsErrorKind.BadInput, $"{inputs.Path}: '{SocModel.PixelMask}' or " +
                $"'{SocModel.AttentionMask}' marks padding; the engine runs one video and one sentence (B = 1), " +
                "unpadded");

        var sw = Stopwatch.StartNew();
        var graph = SocModel.Build(config, new WeightStore(weightsFile), shape);
        var wanted = finalOutputsOnly ? [] : outputs.Tensors.Select(t =>
            EngineName(t.Name)).Where(graph.Taps.ContainsKey).Distinct().ToList();
        foreach (var name in new[] { SocModel.PredCls, SocModel.PredMasks, SocModel.ReferredQuery })
            if (!wanted.Contains(name)) wanted.Add(name);
        using var executor = new Executor(graph, backend, wanted);
        var feeds = graph.Inputs.Keys.ToDictionary(k => k, k => Need(inputs, k));
        var produced = new Dictionary<string, Tensor>(executor.Run(feeds).Outputs);

        var padded = Need(inputs, "post.in.samples_shape_with_padding").Span<long>();
        var resized = Need(inputs, "post.in.resized_frame_size").Span<long>();
        var original = Need(inputs, "post.in.original_frame_size").Span<long>();
        foreach (var (k, v) in ReferYoutubeVosPostProcess.Run(produced[SocModel.PredCls], produced[SocModel.PredMasks],
            produced[SocModel.ReferredQuery],
                     ((int)padded[0], (int)padded[1]), ((int)resized[0], (int)resized[1]), ((int)original[0],
                         (int)original[1])))
            produced[k] = v;
        double ms = sw.Elapsed.TotalMilliseconds;

        var checks = new List<TensorCheck>();
        var ambiguity = post.Contains("post.upsampled_logits") ? post.Get("post.upsampled_logits") : null;
        foreach (var file in new[] { outputs, post })
            foreach (var info in file.Tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                if (finalOutputsOnly && file == outputs && !produced.ContainsKey(EngineName(info.Name))) continue;
                using var expected = file.Get(info.Name);
                checks.Add(produced.TryGetValue(EngineName(info.Name), out var actual)
                    ? Compare(info.Name, actual, expected, ambiguity, resized, original)
                    : new TensorCheck(info.Name, info.Shape, double.NaN, double.NaN, false,
                        "not produced by the engine"));
            }
        double? maskIou = backend.Precision == Precision.Fp32 ? null : MaskIou(produced[FinalMasks], Need(post,
            FinalMasks));
        foreach (var t in produced.Values) t.Dispose();
        return new VerificationReport(Path.GetFileName(Path.GetFullPath(fixtureDir).TrimEnd('/')), backend.Name, checks,
            executor.Plan.ArenaBytes, ms,
            backend.Precision, maskIou);
    }

    /// <summary>|A ∧ B| / |A ∨ B| of two binary masks of one shape over all their pixels; 1 when both are
    /// empty.</summary>
    public static double MaskIou(Tensor actual, Tensor expected)
    {
        if (!actual.Shape.AsSpan().SequenceEqual(expected.Shape))
            throw new MrvsException(MrvsErrorKind.BadInput,
                $"{FinalMasks}: the engine's masks are {Shape.Format(actual.Shape)}, the fixture's " +
                    $"{Shape.Format(expected.Shape)}");
        var a = actual.ToDoubleArray();
        var b = expected.ToDoubleArray();
        long both = 0, either = 0;
        for (int i = 0; i < a.Length; i++)
        {
            bool x = a[i] != 0, y = b[i] != 0;
            if (x && y) both++;
            if (x || y) either++;
        }
        return either == 0 ? 1 : (double)both / either;
    }

    /// <summary>The engine tensor a fixture tensor is compared with: f64.X is the float64 reference of X.</summary>
    private static string EngineName(string fixtureName) => fixtureName.StartsWith("f64.", StringComparison.Ordinal)
        ? fixtureName[4..] : fixtureName;

    private static Tensor Need(SafeTensorsFile f, string name) =>
        f.Contains(name) ? f.Get(name)
            : throw new MrvsException(MrvsErrorKind.BadInput, $"{f.Path}: missing tensor '{name}'");

    private static TensorCheck Compare(string name, Tensor actual, Tensor expected, Tensor? ambiguity,
        ReadOnlySpan<long> resized, ReadOnlySpan<long> original)
    {
        if (!actual.Shape.AsSpan().SequenceEqual(expected.Shape))
            return new TensorCheck(name, expected.Shape, double.NaN, double.NaN, false,
                $"shape {Shape.Format(actual.Shape)} ≠ {Shape.Format(expected.Shape)}");
        var a = actual.ToDoubleArray();
        var b = expected.ToDoubleArray();
        double maxAbs = 0, maxRel = 0, scale = 0;
        foreach (var v in b) scale = Math.Max(scale, Math.Abs(v));
        for (int i = 0; i < a.Length; i++)
        {
            double d = Math.Abs(a[i] - b[i]);
            if (double.IsNaN(d)) d = double.IsNaN(a[i]) && double.IsNaN(b[i]) ? 0 : double.PositiveInfinity;
            maxAbs = Math.Max(maxAbs, d);
            maxRel = Math.Max(maxRel, d / (Math.Abs(b[i]) + 1e-3 * scale + 1e-30));
        }
        if (expected.DType.IsFloat() && !IsBinaryMask(name))
            return new TensorCheck(name, expected.Shape, maxAbs, maxRel, maxAbs <= RelativeToScale * scale + Absolute);
        if (maxAbs == 0) return new TensorCheck(name, expected.Shape, 0, 0, true);
        if (ambiguity is null || !IsBinaryMask(name)) return new TensorCheck(name, expected.Shape, maxAbs, maxRel,
            false);
        int flipped = 0, excused = 0;
        var amb = ambiguity.ToDoubleArray();
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] == b[i]) continue;
            if (amb[AmbiguitySource(name, i, expected.Shape, ambiguity.Shape, resized, original)] is var logit
                && Math.Abs(logit) < AmbiguousLogit) excused++;
            else flipped++;
        }
        return new TensorCheck(name, expected.Shape, maxAbs, maxRel, flipped == 0,
            $"{excused} pixel(s) within {AmbiguousLogit} of the threshold");
    }

    private static bool IsBinaryMask(string name) =>
        name is "post.masks_padded" or "post.video0.nearest_in" or "post.video0.pred_masks";

    /// <summary>Index into post.upsampled_logits [B, T, H, W] of the padded-grid pixel a mask element came
    /// from.</summary>
    private static int AmbiguitySource(string name, int index, int[] shape, int[] logitsShape,
        ReadOnlySpan<long> resized, ReadOnlySpan<long> original)
    {
        int ph = logitsShape[2], pw = logitsShape[3];
        int w = shape[^1], h = shape[^2];
        int x = index % w, y = index / w % h, t = name == "post.masks_padded" ? index / (w * h) % shape[1]
            : index / (w * h);
        if (name == "post.video0.pred_masks")
        {
            y = Resize.NearestSource(y, (int)resized[0], (int)original[0]);
            x = Resize.NearestSource(x, (int)resized[1], (int)original[1]);
        }
        return (t * ph + y) * pw + x;
    }
}
