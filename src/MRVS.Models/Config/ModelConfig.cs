using System.Text.Json;
using System.Text.Json.Nodes;

namespace MRVS.Models.Config;

public sealed record SwinConfig(int EmbedDim, int[] Depths, int[] NumHeads, int[] PatchSize, int[] WindowSize, double MlpRatio, bool PatchNorm);

public sealed record RobertaConfig(int VocabSize, int HiddenSize, int NumLayers, int NumHeads, int IntermediateSize,
    int MaxPositions, int TypeVocabSize, double LayerNormEps, int PadTokenId, int BosTokenId, int EosTokenId);

public sealed record DeformableConfig(int DModel, int NHeads, int DimFeedforward, int EncLayers, int DecLayers,
    int NumQueries, int NumFeatureLevels, int EncPoints, int DecPoints);

public sealed record VocConfig(int NHeads, int DimFeedforward, int EncLayers, int DecLayers, int NumQueries, int NumFrameQueries, int WindowSize);

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

    public static ModelConfig Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelConfigException($"{path}: cannot read the model config ({e.Message})");
        }
        return Parse(text, path);
    }

    public static ModelConfig Parse(string json, string source)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json); }
        catch (JsonException e) { throw new ModelConfigException($"{source}: not valid JSON ({e.Message})"); }
        if (root is not JsonObject r) throw new ModelConfigException($"{source}: the model config must be a JSON object");
        var reader = new FieldReader(r, source);

        string fam = reader.Str("family");
        var family = fam switch
        {
            "soc" => ModelFamily.Soc,
            "socpp" => ModelFamily.SocPlusPlus,
            _ => throw new ModelConfigException($"{source}: family '{fam}' is not 'soc' or 'socpp'"),
        };
        var swin = new SwinConfig(
            reader.Int("swin.fields.embed_dim"), reader.Ints("swin.fields.depths"), reader.Ints("swin.fields.num_heads"),
            reader.Ints("swin.fields.patch_size"), reader.Ints("swin.fields.window_size"),
            reader.Dbl("swin.fields.mlp_ratio"), reader.Bool("swin.fields.patch_norm"));
        var rob = new RobertaConfig(
            reader.Int("roberta.fields.vocab_size"), reader.Int("roberta.fields.hidden_size"),
            reader.Int("roberta.fields.num_hidden_layers"), reader.Int("roberta.fields.num_attention_heads"),
            reader.Int("roberta.fields.intermediate_size"), reader.Int("roberta.fields.max_position_embeddings"),
            reader.Int("roberta.fields.type_vocab_size"), reader.Dbl("roberta.fields.layer_norm_eps"),
            reader.Int("roberta.fields.pad_token_id"), reader.Int("roberta.fields.bos_token_id"), reader.Int("roberta.fields.eos_token_id"));
        var tr = new DeformableConfig(
            reader.Int("config.DeformTransformer.d_model"), reader.Int("config.DeformTransformer.nheads"),
            reader.Int("config.DeformTransformer.dim_feedforward"), reader.Int("config.DeformTransformer.enc_layers"),
            reader.Int("config.DeformTransformer.dec_layers"), reader.Int("config.DeformTransformer.num_queries"),
            reader.Int("config.DeformTransformer.num_feature_levels"), reader.Int("config.DeformTransformer.enc_n_points"),
            reader.Int("config.DeformTransformer.dec_n_points"));
        var voc = new VocConfig(
            reader.Int("config.VOC.nheads"), reader.Int("config.VOC.dim_feedforward"), reader.Int("config.VOC.enc_layers"),
            reader.Int("config.VOC.dec_layers"), reader.Int("config.VOC.num_queries"), reader.Int("config.VOC.num_frame_queries"),
            reader.Int("config.VOC.window_size"));
        var cfg = new ModelConfig(family, reader.OptStr("variant") ?? reader.OptStr("fixture") ?? "custom", swin, rob, tr, voc,
            reader.Int("config.num_classes"), reader.Int("config.mask_kernels_dim"), reader.Int("config.controller_layers"),
            reader.Int("config.dynamic_mask_channels"), reader.Bool("config.rel_coord"),
            family == ModelFamily.SocPlusPlus ? reader.Int("config.num_proxy_query") : 0);
        cfg.Validate(source);
        return cfg;
    }

    private void Validate(string source)
    {
        void Check(bool ok, string what) { if (!ok) throw new ModelConfigException($"{source}: {what}"); }
        Check(Swin.Depths.Length == 4 && Swin.NumHeads.Length == 4, "swin depths and num_heads must have 4 stages");
        Check(Swin.PatchSize.Length == 3 && Swin.WindowSize.Length == 3, "swin patch_size and window_size must have 3 entries (t, h, w)");
        Check(Transformer.NumFeatureLevels == 4, $"num_feature_levels {Transformer.NumFeatureLevels} ≠ 4 (3 backbone levels + 1 extra)");
        Check(Transformer.DModel % Transformer.NHeads == 0, $"d_model {Transformer.DModel} is not a multiple of nheads {Transformer.NHeads}");
        Check(Transformer.DModel % 32 == 0, $"d_model {Transformer.DModel} is not a multiple of 32 (GroupNorm(32, d) in input_proj)");
        Check(Transformer.DModel % FusionHeads == 0, $"d_model {Transformer.DModel} is not a multiple of the 8 fusion heads");
        Check(Transformer.DModel % Voc.NHeads == 0, $"d_model {Transformer.DModel} is not a multiple of VOC nheads {Voc.NHeads}");
        Check(Voc.WindowSize == 0, $"VOC window_size {Voc.WindowSize} is not supported (every released config uses 0)");
        Check(Voc.NumFrameQueries == Transformer.NumQueries, $"VOC num_frame_queries {Voc.NumFrameQueries} ≠ num_queries {Transformer.NumQueries}");
        Check(Roberta.HiddenSize % Roberta.NumHeads == 0, $"RoBERTa hidden {Roberta.HiddenSize} is not a multiple of heads {Roberta.NumHeads}");
        for (int s = 0; s < 4; s++)
            Check((Swin.EmbedDim << s) % Swin.NumHeads[s] == 0, $"swin stage {s}: channels {Swin.EmbedDim << s} not a multiple of heads {Swin.NumHeads[s]}");
    }

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
                    ["d_model"] = V(Transformer.DModel), ["nheads"] = V(Transformer.NHeads),
                    ["dim_feedforward"] = V(Transformer.DimFeedforward), ["enc_layers"] = V(Transformer.EncLayers),
                    ["dec_layers"] = V(Transformer.DecLayers), ["num_queries"] = V(Transformer.NumQueries),
                    ["num_feature_levels"] = V(Transformer.NumFeatureLevels), ["enc_n_points"] = V(Transformer.EncPoints),
                    ["dec_n_points"] = V(Transformer.DecPoints),
                },
                ["VOC"] = new JsonObject
                {
                    ["nheads"] = V(Voc.NHeads), ["dim_feedforward"] = V(Voc.DimFeedforward), ["enc_layers"] = V(Voc.EncLayers),
                    ["dec_layers"] = V(Voc.DecLayers), ["num_queries"] = V(Voc.NumQueries),
                    ["num_frame_queries"] = V(Voc.NumFrameQueries), ["window_size"] = V(Voc.WindowSize),
                },
            },
            ["swin"] = new JsonObject
            {
                ["fields"] = new JsonObject
                {
                    ["embed_dim"] = V(Swin.EmbedDim), ["depths"] = V(A(Swin.Depths)), ["num_heads"] = V(A(Swin.NumHeads)),
                    ["patch_size"] = V(A(Swin.PatchSize)), ["window_size"] = V(A(Swin.WindowSize)),
                    ["mlp_ratio"] = V(Swin.MlpRatio), ["patch_norm"] = V(Swin.PatchNorm),
                },
            },
            ["roberta"] = new JsonObject
            {
                ["fields"] = new JsonObject
                {
                    ["vocab_size"] = V(Roberta.VocabSize), ["hidden_size"] = V(Roberta.HiddenSize),
                    ["num_hidden_layers"] = V(Roberta.NumLayers), ["num_attention_heads"] = V(Roberta.NumHeads),
                    ["intermediate_size"] = V(Roberta.IntermediateSize), ["max_position_embeddings"] = V(Roberta.MaxPositions),
                    ["type_vocab_size"] = V(Roberta.TypeVocabSize), ["layer_norm_eps"] = V(Roberta.LayerNormEps),
                    ["pad_token_id"] = V(Roberta.PadTokenId), ["bos_token_id"] = V(Roberta.BosTokenId),
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

        private JsonNode Req(string path) => Find(path) ?? throw new ModelConfigException($"{source}: missing field '{path}'");

        private ModelConfigException Bad(string path, string expected, JsonNode? n) =>
            new($"{source}: field '{path}' is {n?.ToJsonString() ?? "null"}, expected {expected}");

        public int Int(string path)
        {
            var n = Req(path);
            try { return n.GetValue<int>(); }
            catch (Exception e) when (e is FormatException or InvalidOperationException) { throw Bad(path, "an integer", n); }
        }

        public double Dbl(string path)
        {
            var n = Req(path);
            try { return n.GetValue<double>(); }
            catch (Exception e) when (e is FormatException or InvalidOperationException) { throw Bad(path, "a number", n); }
        }

        public bool Bool(string path)
        {
            var n = Req(path);
            try { return n.GetValue<bool>(); }
            catch (Exception e) when (e is FormatException or InvalidOperationException) { throw Bad(path, "true or false", n); }
        }

        public string Str(string path)
        {
            var n = Req(path);
            try { return n.GetValue<string>(); }
            catch (Exception e) when (e is FormatException or InvalidOperationException) { throw Bad(path, "a string", n); }
        }

        public string? OptStr(string path) => Find(path) is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

        public int[] Ints(string path)
        {
            var n = Req(path);
            if (n is not JsonArray a) throw Bad(path, "an array of integers", n);
            try { return a.Select(x => x!.GetValue<int>()).ToArray(); }
            catch (Exception e) when (e is FormatException or InvalidOperationException or NullReferenceException) { throw Bad(path, "an array of integers", n); }
        }
    }
}

public sealed class ModelConfigException(string message) : Exception(message);
