namespace MRVS.Models.Config;

/// <summary>
/// The released SOC and SOC++ settings (reference doc §4): every one has d_model 256, 8 heads, FFN 2048, 3 + 3
/// deformable layers, 20 queries, 4 levels × 4 points, VOC 8 heads / 2048 / 3 + 3, 8-channel dynamic mask head
/// and RoBERTa-base; they differ in family and Video Swin size. num_classes is 1 in every released config.
/// </summary>
public static class ModelVariants
{
    public static readonly IReadOnlyDictionary<string, (ModelFamily Family, string Swin, string Description)> All =
        new Dictionary<string, (ModelFamily, string, string)>
        {
            ["soc-ytvos-swin-t"] = (ModelFamily.Soc, "t",
                "SOC, Ref-YouTube-VOS (from scratch, with pretrain or joint), Video-Swin-T"),
            ["soc-ytvos-swin-b"] = (ModelFamily.Soc, "b",
                "SOC, Ref-YouTube-VOS (with pretrain or joint; also Ref-DAVIS17), Video-Swin-B"),
            ["soc-a2d-swin-t"] = (ModelFamily.Soc, "t", "SOC, A2D-Sentences (also JHMDB-Sentences), Video-Swin-T"),
            ["soc-a2d-swin-b"] = (ModelFamily.Soc, "b", "SOC, A2D-Sentences with pretrain, Video-Swin-B"),
            ["socpp-a2d-swin-t"] = (ModelFamily.SocPlusPlus, "t", "SOC++, A2D-Sentences, Video-Swin-T"),
            ["socpp-mevis-swin-t"] = (ModelFamily.SocPlusPlus, "t", "SOC++, MeViS, Video-Swin-T"),
            ["socpp-ytvos-swin-b"] = (ModelFamily.SocPlusPlus, "b",
                "SOC++, Ref-YouTube-VOS joint (also Ref-DAVIS17), Video-Swin-B"),
        };

    public static ModelConfig Get(string name)
    {
        if (!All.TryGetValue(name, out var v))
            throw new ModelConfigException($"unknown variant '{name}' (known: {string.Join(", ", All.Keys)})");
        return Build(name, v.Family, v.Swin);
    }

    /// <param name="swin">"t", "s" or "b" (Video-Swin-T/S/B).</param>
    public static ModelConfig Build(string name, ModelFamily family, string swin)
    {
        var backbone = swin switch
        {
            "t" => new SwinConfig(96, [2, 2, 6, 2], [3, 6, 12, 24], [1, 4, 4], [8, 7, 7], 4.0, true),
            "s" => new SwinConfig(96, [2, 2, 18, 2], [3, 6, 12, 24], [1, 4, 4], [8, 7, 7], 4.0, true),
            "b" => new SwinConfig(128, [2, 2, 18, 2], [4, 8, 16, 32], [1, 4, 4], [8, 7, 7], 4.0, true),
            _ => throw new ModelConfigException($"unknown Video Swin size '{swin}' (expected t, s or b)"),
        };
        var roberta = new RobertaConfig(50265, 768, 12, 12, 3072, 514, 1, 1e-5, 1, 0, 2);
        var transformer = new DeformableConfig(256, 8, 2048, 3, 3, 20, 4, 4, 4);
        var voc = new VocConfig(8, 2048, 3, 3, 20, 20, 0);
        return new ModelConfig(family, name, backbone, roberta, transformer, voc, NumClasses: 1, MaskKernelsDim: 8,
            ControllerLayers: 3, DynamicMaskChannels: 8, RelCoord: true,
                NumProxyQueries: family == ModelFamily.SocPlusPlus ? 20 : 0);
    }
}
