using MRVS.Core.Errors;
using MRVS.Core.Graph;
using MRVS.Core.IO;
using MRVS.Core.IO.Torch;
using MRVS.Core.Limits;
using MRVS.Core.Tensors;
using MRVS.Models;
using MRVS.Models.Building;
using MRVS.Models.Config;

namespace MRVS.Pipeline.Conversion;

/// <summary>
/// Official checkpoint (.pth.tar, zip or legacy format; see <see cref="CheckpointStateDict"/> for the dict layouts
/// accepted) → model folder. The keys, dtypes and shapes of the state dict are checked against the model the config
/// describes from the checkpoint's pickle alone (all missing keys, mismatches and unexpected keys reported at once),
/// so a tensor is read only when it is one the model binds with its expected shape; each read from a zip is checked
/// against the archive's CRC-32, and every weight must be finite. The tensors are then written unchanged to
/// model.safetensors with config.json beside it, optionally with the tokenizer files. The folder is published
/// atomically (<see cref="OutputFolder"/>): a failure leaves nothing behind.
/// </summary>
public static class CheckpointConverter
{
    /// <summary>Converts <paramref name="checkpointPath"/> into the new folder <paramref name="outputDir"/>.</summary>
    /// <param name="checkpointPath">The official checkpoint (.pth.tar).</param>
    /// <param name="config">The model it holds (a released variant or a config.json).</param>
    /// <param name="outputDir">The model folder to create (absent or empty).</param>
    /// <param name="vocabPath">roberta-base's vocab.json to copy beside the model (with <paramref
    /// name="mergesPath"/>).</param>
    /// <param name="mergesPath">roberta-base's merges.txt.</param>
    /// <param name="limits">Bounds on the checkpoint's pickle and storages.</param>
    /// <param name="cancel">Stops the conversion between its steps; nothing is written then.</param>
    public static void Convert(string checkpointPath, ModelConfig config, string outputDir, string? vocabPath = null,
        string? mergesPath = null, ResourceLimits? limits = null, CancellationToken cancel = default)
    {
        limits ??= ResourceLimits.Default;
        if ((vocabPath is null) != (mergesPath is null))
            throw new MrvsException(MrvsErrorKind.BadInput, "give both --vocab and --merges, or neither");
        foreach (var (p, what) in new[] { (vocabPath, "tokenizer vocab file"), (mergesPath, "tokenizer merges file") })
            if (p is not null) InputFile.RequireRegular(p, what);

        try
        {
            using var output = OutputFolder.Begin(outputDir, overwrite: false);
            using var checkpoint = TorchCheckpoint.Open(checkpointPath, limits);
            var found = CheckpointStateDict.Find(checkpoint);
            var store = new WeightStore(found.Weights());
            try { SocModel.Build(config, store, ForwardShape.WeightBinding); }
            catch (Exception e) when (e is ShapeException or ModelConfigException)
            {
                throw new MrvsException(MrvsErrorKind.BadModel,
                    $"the config of '{config.Variant}' describes a model that cannot be built: {e.Message}", e);
            }
            catch (MrvsException e) when (e.Kind == MrvsErrorKind.BadModel && e is not WeightBindingException)
            {
                throw new MrvsException(e.Kind, $"{checkpointPath}: {e.Message}", e); // a weight's values
            }
            cancel.ThrowIfCancellationRequested();
            var stateDict = found.Read();
            cancel.ThrowIfCancellationRequested();
            var bad = stateDict.Where(t => NonFinite.Count(t.Value) > 0).Select(t => $"'{t.Key}'").ToList();
            if (bad.Count > 0)
                throw new MrvsException(MrvsErrorKind.BadModel,
                    $"{checkpointPath}: NaN or Inf values in {ErrorText.Summarize(bad, ("tensor", "tensors"))} " +
                        "(damaged weights)");

            SafeTensorsWriter.Write(Path.Combine(output.Staging, ModelFolder.WeightsFile), stateDict,
                new Dictionary<string, string>
                {
                    ["family"] = config.Family == ModelFamily.Soc ? "soc" : "socpp",
                    ["variant"] = config.Variant,
                    ["source"] = Path.GetFileName(checkpointPath),
                });
            File.WriteAllText(Path.Combine(output.Staging, ModelFolder.ConfigFile), config.ToJson());
            if (vocabPath is not null) File.Copy(vocabPath, Path.Combine(output.Staging, ModelFolder.VocabFile));
            if (mergesPath is not null) File.Copy(mergesPath, Path.Combine(output.Staging, ModelFolder.MergesFile));
            cancel.ThrowIfCancellationRequested();
            output.Publish();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw OutputFolder.Io(e, $"converting into '{outputDir}'");
        }
    }
}
