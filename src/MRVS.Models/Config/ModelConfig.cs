using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MRVS.Core.Errors;
using MRVS.Core.IO;
using MRVS.Core.Limits;

namespace MRVS.Models.Config;

public sealed record SwinConfig(int EmbedDim, int[] Depths, int[] NumHeads, int[] PatchSize, int[] WindowSize,
    double MlpRatio, bool PatchNorm);

public sealed record RobertaConfig(int VocabSize, int HiddenSize, int NumLayers, int NumHeads, int IntermediateSize,
    int MaxPositions, int TypeVocabSize, double LayerNormEps, int PadTokenId, int BosTokenId, int EosTokenId);

public sealed record DeformableConfig(int DModel, int NHeads, int DimFeedforward, int EncLayers, int DecLayers,
    int NumQueries, int NumFeatureLevels, int EncPoints, int DecPoints);

public sealed record VocConfig(int NHeads, int DimFeedforward, int EncLayers, int DecLayers, int NumQueries,
    int NumFrameQueries, int WindowSize);

/// <summary>
/// Everything that shapes a SOC / SOC++ model, read from the fixtures' config.json layout
/// (<c>family</c>, <c>config.*.value</c>, <c>swin.fields.*.value</c>, <c>roberta.fields.*.value</c>), which
/// <c>mrvs convert</c> also writes.
/// </summary>
public sealed record ModelConfig(
    ModelFamily Family,
    string Variant,
    SwinConfig Swin,
    RobertaConfig Roberta,
    DeformableConfig Transformer,
    VocConfig Voc,
    int NumClasses,
    int MaskKernelsDim,
    int ControllerLayers,
    int DynamicMaskChannels,
    bool RelCoord,
    int NumProxyQueries)
{
    /// <summary>Heads of vlf / lvf / v2p / query_fusion: hard-coded to 8 upstream.</summary>
    public const int FusionHeads = 8;

    /// <summary>Dynamic mask-head parameters per query: weights [in*ch, ch*ch, ch*1] and biases [ch, ch, 1].</summary>
    public int NumDynamicParams
    {
        get
        {
            int ch = DynamicMaskChannels, inCh = MaskKernelsDim + (RelCoord ? 2 : 0);
            return inCh * ch + ch * ch + ch + ch + ch + 1;
        }
    }

    public int[] BackboneChannels => Enumerable.Range(0, Swin.Depths.Length).Select(i => Swin.EmbedDim << i).ToArray();

    /// <summary>
    /// Reads a config.json (a regular file of at most <see cref="ResourceLimits.MaxTextFileBytes"/>).
    /// </summary>
    public static ModelConfig Load(string path, ResourceLimits? limits = null)
    {
        var bytes = InputFile.ReadAllBytes(path, "model config", MrvsErrorKind.BadModel,
            (limits ?? ResourceLimits.Default).MaxTextFileBytes);
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
            throw new ModelConfigException($"{path}: the model config is not UTF-8 text");
        return Parse(System.Text.Encoding.UTF8.GetString(bytes), path);
    }

    /// <summary>
    /// Parses and checks a config: every field present with its type, in a range the model can be built with (each
    /// failure names the field), and the fields consistent with each other.
    /// </summary>
    public static ModelConfig Parse(string json, string source)
    {
        JsonNode? root;
        try
        {
            // Duplicate keys are refused: which of two values would count is anyone's guess.
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException e) { throw new ModelConfigException($"{source}: not valid JSON ({ErrorText.Json(e)})"); }
        if (root is not JsonObject r) throw new ModelConfigException($"{source}: the model config must be a JSON " +
            $"object");
        var reader = new FieldReader(r, source);

        string fam = reader.Str("family");
        var family = fam switch
        {
            "soc" => ModelFamily.Soc,
            "socpp" => ModelFamily.SocPlusPlus,
            _ => throw new ModelConfigException($"{source}: family '{fam}' is not 'soc' or 'socpp'"),
        };
        // Ranges hold every released model with a wide margin and keep what a config alone makes the engine allocate
        // (stand-in weights, window tables, the graph) bounded.
        const string sw = "swin.fields.", rb = "roberta.fields.", dt = "config.DeformTransformer.", vc = "config.VOC.";
        var swin = new SwinConfig(
            reader.Int(sw + "embed_dim", 1, 1024), reader.Ints(sw + "depths", 4, 1, 32),
                reader.Ints(sw + "num_heads", 4, 1, 64),
            reader.Ints(sw + "patch_size", 3, 1, 16), reader.Ints(sw + "window_size", 3, 1, 16),
            reader.Dbl(sw + "mlp_ratio", 0, 16), reader.Bool(sw + "patch_norm"));
        int vocab = reader.Int(rb + "vocab_size", 3, 1_000_000);
        var rob = new RobertaConfig(
            vocab, reader.Int(rb + "hidden_size", 1, 4096),
            reader.Int(rb + "num_hidden_layers", 1, 48), reader.Int(rb + "num_attention_heads", 1, 64),
            reader.Int(rb + "intermediate_size", 1, 16384), reader.Int(rb + "max_position_embeddings", 3, 8192),
            reader.Int(rb + "type_vocab_size", 1, 16), reader.Dbl(rb + "layer_norm_eps", 0, 0.1),
            reader.Int(rb + "pad_token_id", 0, vocab - 1), reader.Int(rb + "bos_token_id", 0, vocab - 1),
            reader.Int(rb + "eos_token_id", 0, vocab - 1));
        var tr = new DeformableConfig(
            reader.Int(dt + "d_model", 32, 4096), reader.Int(dt + "nheads", 1, 64),
            reader.Int(dt + "dim_feedforward", 1, 16384), reader.Int(dt + "enc_layers", 1, 32),
            reader.Int(dt + "dec_layers", 1, 32), reader.Int(dt + "num_queries", 1, 1000),
            reader.Int(dt + "num_feature_levels", 4, 4), reader.Int(dt + "enc_n_points", 1, 32),
            reader.Int(dt + "dec_n_points", 1, 32));
        var voc = new VocConfig(
            reader.Int(vc + "nheads", 1, 64), reader.Int(vc + "dim_feedforward", 1, 16384),
                reader.Int(vc + "enc_layers", 1, 32),
            reader.Int(vc + "dec_layers", 1, 32), reader.Int(vc + "num_queries", 1, 1000),
                reader.Int(vc + "num_frame_queries", 1, 1000),
            reader.Int(vc + "window_size", 0, 0));
        var cfg = new ModelConfig(family, reader.OptStr("variant") ?? reader.OptStr("fixture") ?? "custom", swin, rob,
            tr, voc,
            reader.Int("config.num_classes", 1, 1000), reader.Int("config.mask_kernels_dim", 1, 1024),
            reader.Int("config.controller_layers", 1, 16), reader.Int("config.dynamic_mask_channels", 1, 256),
                reader.Bool("config.rel_coord"),
            family == ModelFamily.SocPlusPlus ? reader.Int("config.num_proxy_query", 1, 1000) : 0);
        cfg.Validate(source);
        return cfg;
    }

    private void Validate(string source)
    {
        void Check(bool ok, string what) { if (!ok) throw new ModelConfigException($"{source}: {what}"); }
        int windowTokens = Swin.WindowSize[0] * Swin.WindowSize[1] * Swin.WindowSize[2];
        Check(windowTokens <= MaxWindowTokens,
            $"swin window_size [{string.Join(", ", Swin.WindowSize)}] holds {windowTokens} tokens, more than " +
                $"{MaxWindowTokens}");
        Check(Swin.Depths.Sum() <= 64, $"swin depths [{string.Join(", ", Swin.Depths)}] add up to more than 64 blocks");
        Check(Transformer.NumFeatureLevels == 4,
            $"num_feature_levels {Transformer.NumFeatureLevels} ≠ 4 (3 backbone levels + 1 extra)");
        Check(Transformer.DModel % Transformer.NHeads == 0,
            $"d_model {Transformer.DModel} is not a multiple of nheads {Transformer.NHeads}");
        Check(Transformer.DModel % 32 == 0,
            $"d_model {Transformer.DModel} is not a multiple of 32 (GroupNorm(32, d) in input_proj)");
        Check(Transformer.DModel % FusionHeads == 0,
            $"d_model {Transformer.DModel} is not a multiple of the 8 fusion heads");
        Check(Transformer.DModel % Voc.NHeads == 0,
            $"d_model {Transformer.DModel} is not a multiple of VOC nheads {Voc.NHeads}");
        Check(Voc.WindowSize == 0, $"VOC window_size {Voc.WindowSize} is not supported (every released config uses 0)");
        Check(Voc.NumFrameQueries == Transformer.NumQueries,
            $"VOC num_frame_queries {Voc.NumFrameQueries} ≠ num_queries {Transformer.NumQueries}");
        Check(Roberta.HiddenSize % Roberta.NumHeads == 0,
            $"RoBERTa hidden {Roberta.HiddenSize} is not a multiple of heads {Roberta.NumHeads}");
        for (int s = 0; s < 4; s++)
            Check((Swin.EmbedDim << s) % Swin.NumHeads[s] == 0,
                $"swin stage {s}: channels {Swin.EmbedDim << s} not a multiple of heads {Swin.NumHeads[s]}");
    }

    /// <summary>
    /// Tokens of a Swin window at most (the released 8 × 7 × 7 has 392): each block's bias is heads × tokens².
    /// </summary>
    private const int MaxWindowTokens = 1024;

    /// <summary>Writes this config in the same layout it is read from.</summary>
    public string ToJson()
    {
        static JsonObject V(JsonNode? v) => new() { ["value"] = v };
        static JsonArray A(int[] xs) => new(xs.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray());
        var root = new JsonObject
        {
            ["family"] = Family == ModelFamily.Soc ? "soc" : "socpp",
            ["variant"] = Variant,
            ["config"] = new JsonObject
            {
                ["num_classes"] = V(NumClasses),
                ["mask_kernels_dim"] = V(MaskKernelsDim),
                ["controller_layers"] = V(ControllerLayers),
                ["dynamic_mask_channels"] = V(DynamicMaskChannels),
                ["rel_coord"] = V(RelCoord),
                ["num_proxy_query"] = V(NumProxyQueries),
                ["DeformTransformer"] = new JsonObject
                {
                    ["d_model"] = V(Transformer.DModel),
                    ["nheads"] = V(Transformer.NHeads),
                    ["dim_feedforward"] = V(Transformer.DimFeedforward),
                    ["enc_layers"] = V(Transformer.EncLayers),
                    ["dec_layers"] = V(Transformer.DecLayers),
                    ["num_queries"] = V(Transformer.NumQueries),
                    ["num_feature_levels"] = V(Transformer.NumFeatureLevels),
                    ["enc_n_points"] =
                        V(Transformer.EncPoints),
                    ["dec_n_points"] = V(Transformer.DecPoints),
                },
                ["VOC"] = new JsonObject
                {
                    ["nheads"] = V(Voc.NHeads),
                    ["dim_feedforward"] = V(Voc.DimFeedforward),
                    ["enc_layers"] =
                        V(Voc.EncLayers),
                    ["dec_layers"] = V(Voc.DecLayers),
                    ["num_queries"] = V(Voc.NumQueries),
                    ["num_frame_queries"] = V(Voc.NumFrameQueries),
                    ["window_size"] = V(Voc.WindowSize),
                },
            },
            ["swin"] = new JsonObject
            {
                ["fields"] = new JsonObject
                {
                    ["embed_dim"] = V(Swin.EmbedDim),
                    ["depths"] = V(A(Swin.Depths)),
                    ["num_heads"] =
                        V(A(Swin.NumHeads)),
                    ["patch_size"] = V(A(Swin.PatchSize)),
                    ["window_size"] = V(A(Swin.WindowSize)),
                    ["mlp_ratio"] = V(Swin.MlpRatio),
                    ["patch_norm"] = V(Swin.PatchNorm),
                },
            },
            ["roberta"] = new JsonObject
            {
                ["fields"] = new JsonObject
                {
                    ["vocab_size"] = V(Roberta.VocabSize),
                    ["hidden_size"] = V(Roberta.HiddenSize),
                    ["num_hidden_layers"] = V(Roberta.NumLayers),
                    ["num_attention_heads"] = V(Roberta.NumHeads),
                    ["intermediate_size"] = V(Roberta.IntermediateSize),
                    ["max_position_embeddings"] =
                        V(Roberta.MaxPositions),
                    ["type_vocab_size"] = V(Roberta.TypeVocabSize),
                    ["layer_norm_eps"] = V(Roberta.LayerNormEps),
                    ["pad_token_id"] = V(Roberta.PadTokenId),
                    ["bos_token_id"] = V(Roberta.BosTokenId),
                    ["eos_token_id"] = V(Roberta.EosTokenId),
                },
            },
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Reads dotted paths, unwrapping <c>{"value": …}</c> fields; every miss names the path.</summary>
    private sealed class FieldReader(JsonObject root, string source)
    {
        private JsonNode? Find(string path)
        {
            JsonNode? n = root;
            foreach (var part in path.Split('.'))
            {
                if (n is not JsonObject o || !o.TryGetPropertyValue(part, out n)) return null;
            }
            if (n is JsonObject w && w.TryGetPropertyValue("value", out var inner)) n = inner;
            return n;
        }

        private JsonNode Req(string path) => Find(path)
            ?? throw new ModelConfigException($"{source}: missing field '{path}'");

        private ModelConfigException Bad(string path, string expected, JsonNode? n) =>
            new($"{source}: field '{path}' is {n?.ToJsonString() ?? "null"}, expected {expected}");

        /// <summary>An integer field in [<paramref name="min"/>, <paramref name="max"/>].</summary>
        public int Int(string path, int min, int max)
        {
            var n = Req(path);
            return InRange(TryInt(n), min, max) ?? throw Bad(path, Expected(min, max), n);
        }

        /// <summary>A finite number in (<paramref name="minExclusive"/>, <paramref name="max"/>].</summary>
        public double Dbl(string path, double minExclusive, double max)
        {
            var n = Req(path);
            double? v = n is JsonValue j && j.TryGetValue<double>(out var d) ? d : null;
            if (v is not { } x || !double.IsFinite(x) || x <= minExclusive || x > max)
                throw Bad(path, $"a number above {minExclusive.ToString(CultureInfo.InvariantCulture)} and at most " +
                    $"{max.ToString(CultureInfo.InvariantCulture)}", n);
            return x;
        }

        public bool Bool(string path)
        {
            var n = Req(path);
            try { return n.GetValue<bool>(); }
            catch (Exception e) when (e is FormatException or InvalidOperationException)
            {
                throw Bad(path,
                "true or false", n);
            }
        }

        public string Str(string path)
        {
            var n = Req(path);
            try { return n.GetValue<string>(); }
            catch (Exception e) when (e is FormatException or InvalidOperationException)
            {
                throw Bad(path, "a string",
                n);
            }
        }

        public string? OptStr(string path) => Find(path) is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

        /// <summary>
        /// An array of <paramref name="count"/> integers, each in [<paramref name="min"/>, <paramref name="max"/>].
        /// </summary>
        public int[] Ints(string path, int count, int min, int max)
        {
            var n = Req(path);
            var expected = $"an array of {count} integers from {min} to {max}";
            if (n is not JsonArray a || a.Count != count) throw Bad(path, expected, n);
            var values = new int[count];
            for (int i = 0; i < count; i++)
                values[i] = InRange(TryInt(a[i]), min, max) ?? throw Bad(path, expected, n);
            return values;
        }

        private static int? TryInt(JsonNode? n) => n is JsonValue v && v.TryGetValue<int>(out var i) ? i : null;

        private static int? InRange(int? value, int min, int max) =>
            value is { } v && v >= min && v <= max ? v : null;

        private static string Expected(int min, int max) =>
            min == max ? $"{min}" : $"an integer from {min} to {max}";
    }
}

/// <summary>A config.json that cannot describe a model; the message names the file and the field.</summary>
public sealed class ModelConfigException(string message) : MrvsException(MrvsErrorKind.BadModel, message);
