using MRVS.Core.IO;
using MRVS.Core.IO.Torch;
using MRVS.Models;
using MRVS.Models.Building;
using MRVS.Models.Config;

namespace MRVS.Pipeline.Conversion;

/// <summary>
/// Official checkpoint (.pth.tar, zip or legacy format; see <see cref="CheckpointStateDict"/> for the dict layouts
/// accepted) → model folder: every weight is validated against the
/// model the config describes (all missing keys, shape mismatches and unexpected keys reported at once), then
/// written unchanged to model.safetensors with config.json beside it, optionally with the tokenizer files.
/// The folder is assembled in a temporary directory and moved into place, so a failure leaves nothing behind.
/// </summary>
public static class CheckpointConverter
{
    public static void Convert(string checkpointPath, ModelConfig config, string outputDir, string? vocabPath = null, string? mergesPath = null)
    {
        if (File.Exists(outputDir) || (Directory.Exists(outputDir) && Directory.EnumerateFileSystemEntries(outputDir).Any()))
            throw new IOException($"{outputDir}: the output folder exists and is not empty");
        if ((vocabPath is null) != (mergesPath is null)) throw new ArgumentException("give both --vocab and --merges, or neither");
        foreach (var p in new[] { vocabPath, mergesPath })
            if (p is not null && !File.Exists(p)) throw new FileNotFoundException($"{p}: tokenizer file not found", p);

        using var checkpoint = TorchCheckpoint.Open(checkpointPath);
        var (stateDict, source) = CheckpointStateDict.Load(checkpoint);
        SocModel.Build(config, new WeightStore(stateDict, source), ForwardShape.WeightBinding);

        var parent = Path.GetDirectoryName(Path.GetFullPath(outputDir))!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(Path.GetFullPath(outputDir))}.{Environment.ProcessId}.partial");
        try
        {
            Directory.CreateDirectory(staging);
            SafeTensorsWriter.Write(Path.Combine(staging, ModelFolder.WeightsFile), stateDict,
                new Dictionary<string, string> { ["family"] = config.Family == ModelFamily.Soc ? "soc" : "socpp", ["variant"] = config.Variant, ["source"] = Path.GetFileName(checkpointPath) });
            File.WriteAllText(Path.Combine(staging, ModelFolder.ConfigFile), config.ToJson());
            if (vocabPath is not null) File.Copy(vocabPath, Path.Combine(staging, ModelFolder.VocabFile));
            if (mergesPath is not null) File.Copy(mergesPath, Path.Combine(staging, ModelFolder.MergesFile));
            if (Directory.Exists(outputDir)) Directory.Delete(outputDir);
            Directory.Move(staging, outputDir);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }
}
