using MRVS.Pipeline;
using MRVS.Tests.Support;

namespace MRVS.Tests.Segmentation;

/// <summary>
/// A model folder made from a fixture for the segmentation tests: its config.json, its weights linked as
/// model.safetensors, and the demo model's tokenizer.
/// </summary>
public sealed class TestModelFolder : IDisposable
{
    public string Path { get; }

    public TestModelFolder(string fixture)
    {
        Path = Directory.CreateTempSubdirectory("mrvs-model-").FullName;
        File.Copy(Fixtures.File(fixture, "config.json"), Combine(ModelFolder.ConfigFile));
        File.CreateSymbolicLink(Combine(ModelFolder.WeightsFile), Fixtures.File(fixture, "weights.safetensors"));
        // The demo model's byte-level tokenizer fits the fixtures' 1000-row embedding and RoBERTa's special ids.
        foreach (var f in new[] { ModelFolder.VocabFile, ModelFolder.MergesFile })
            File.Copy(System.IO.Path.Combine(Fixtures.RepoRoot, "samples", "demo", "model", f), Combine(f));
    }

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
