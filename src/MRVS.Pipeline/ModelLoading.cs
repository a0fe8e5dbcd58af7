using MRVS.Core.Errors;
using MRVS.Models.Config;

namespace MRVS.Pipeline;

/// <summary>Resolves a model config from a variant name or a config.json path (the CLI's --variant /
/// --config).</summary>
public static class ModelLoading
{
    /// <summary>The config of a released variant, or of a config.json; exactly one of the two.</summary>
    public static ModelConfig ResolveConfig(string? variant, string? configPath)
    {
        if (variant is not null && configPath is not null) throw new MrvsException(MrvsErrorKind.BadInput,
            "give either --variant or --config, not both");
        if (variant is not null) return ModelVariants.Get(variant);
        if (configPath is not null) return ModelConfig.Load(configPath);
        throw new MrvsException(MrvsErrorKind.BadInput,
            $"a model config is needed: --variant ({string.Join(", ", ModelVariants.All.Keys)}) or --config " +
                "<config.json>");
    }
}
