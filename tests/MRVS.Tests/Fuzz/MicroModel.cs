using MRVS.Core.IO;
using MRVS.Core.Tensors;
using MRVS.DemoAssets;
using MRVS.Models.Building;
using MRVS.Pipeline;
using MRVS.Tests.IO;
using MRVS.Tests.Robustness;
using MRVS.Tests.Support;

namespace MRVS.Tests.Fuzz;

/// <summary>
/// The fuzz suite's seeds for model files: the demo-size SOC++ with synthetic weights, as a model folder (config.json,
/// model.safetensors, the demo tokenizer) and as an official-style checkpoint (a torch.save zip of its state dict).
/// Small, so thousands of mutated copies are cheap.
/// </summary>
public sealed class MicroModel : IDisposable
{
    public MicroModel()
    {
        Root = Directory.CreateTempSubdirectory("mrvs-fuzz-seeds-").FullName;
        Folder = Directory.CreateDirectory(Path.Combine(Root, "model")).FullName;
        Vocab = Path.Combine(Folder, ModelFolder.VocabFile);
        Merges = Path.Combine(Folder, ModelFolder.MergesFile);
        foreach (var (from, to) in new[] { (ModelFolder.VocabFile, Vocab), (ModelFolder.MergesFile, Merges) })
            File.Copy(Path.Combine(Fixtures.RepoRoot, "samples", "demo", "model", from), to);
        using var vocab = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Vocab));
        int vocabSize = vocab.RootElement.EnumerateObject().Count();
        var config = DemoModelConfig.Create(vocabSize) with { Variant = "fuzz-micro" };
        ConfigPath = Path.Combine(Folder, ModelFolder.ConfigFile);
        File.WriteAllText(ConfigPath, config.ToJson());
        var state = SyntheticStateDict.Create(config, seed: 1);
        SafeTensorsWriter.Write(Path.Combine(Folder, ModelFolder.WeightsFile), state);
        Checkpoint = Path.Combine(Root, "micro.pth.tar");
        WriteCheckpoint(Checkpoint, state);
    }

    public string Root { get; }
    public string Folder { get; }
    public string ConfigPath { get; }
    public string Vocab { get; }
    public string Merges { get; }
    public string Checkpoint { get; }

    /// <summary>
    /// {'epoch': 1, 'model_state_dict': OrderedDict(...)} with one storage per tensor, as torch.save lays it out.
    /// </summary>
    private static void WriteCheckpoint(string path, IReadOnlyDictionary<string, Tensor> state)
    {
        var p = new PickleBuilder().EmptyDict().Mark().Str("epoch").Int(1).Str("model_state_dict").OrderedDict().Mark();
        var storages = new List<(string, byte[])>();
        foreach (var (name, t) in state.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var key = storages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var shape = Array.ConvertAll(t.Shape, d => (long)d);
            var strides = Shape.Strides(t.Shape);
            p.Str(name).Tensor(t.DType == DType.I64 ? "LongStorage"
                : "FloatStorage", key, (int)t.ElementCount, 0, shape, strides);
            storages.Add((key, t.Bytes.ToArray()));
        }
        var pickle = p.SetItems().SetItems().Stop().ToArray();
        HostileFiles.Checkpoint(path, pickle, compress: false, [.. storages]);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
