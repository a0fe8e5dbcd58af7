using MRVS.Core.IO;
using MRVS.Core.Tensors;
using MRVS.Models.Config;

namespace MRVS.Pipeline.Conversion;

/// <summary>What <c>mrvs info</c> reports about a model folder.</summary>
public sealed record ModelInfo(string Family, string Variant, long Parameters, IReadOnlyDictionary<DType, long> BytesByDType, long FileBytes, bool HasTokenizer, string SwinSize)
{
    public static ModelInfo Read(string modelDir)
    {
        var configPath = Path.Combine(modelDir, ModelFolder.ConfigFile);
        var weightsPath = Path.Combine(modelDir, ModelFolder.WeightsFile);
        if (!Directory.Exists(modelDir)) throw new DirectoryNotFoundException($"{modelDir}: model folder not found");
        if (!File.Exists(configPath)) throw new FileNotFoundException($"{modelDir}: missing {ModelFolder.ConfigFile} (mrvs convert writes it)", configPath);
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"{modelDir}: missing {ModelFolder.WeightsFile} (mrvs convert writes it)", weightsPath);
        var config = ModelConfig.Load(configPath);
        using var weights = SafeTensorsFile.Open(weightsPath);
        var aliases = weights.Tensors.Where(t => t.Name.StartsWith("transformer.decoder.bbox_embed.", StringComparison.Ordinal)).Select(t => t.Name).ToHashSet();
        var counted = weights.Tensors.Where(t => !aliases.Contains(t.Name) && t.DType.IsFloat()).ToList();
        var bytes = weights.Tensors.GroupBy(t => t.DType).ToDictionary(g => g.Key, g => g.Sum(t => t.End - t.Begin));
        string swin = config.Swin.EmbedDim == 128 ? "Video-Swin-B" : config.Swin.Depths[2] == 18 ? "Video-Swin-S" : config.Swin.EmbedDim == 96 ? "Video-Swin-T" : $"custom Swin (C0 {config.Swin.EmbedDim})";
        return new ModelInfo(config.Family == ModelFamily.Soc ? "SOC" : "SOC++", config.Variant, counted.Sum(t => Shape.Elements(t.Shape)), bytes,
            new FileInfo(weightsPath).Length, File.Exists(Path.Combine(modelDir, ModelFolder.VocabFile)) && File.Exists(Path.Combine(modelDir, ModelFolder.MergesFile)), swin);
    }
}
