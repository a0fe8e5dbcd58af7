using System.Text.Json;
using MRVS.Pipeline.Conversion;
using MRVS.Pipeline.Text;
using MRVS.Tests.Support;

namespace MRVS.Tests.Segmentation;

/// <summary>
/// A model folder made from a fixture for the segmentation tests: its config.json, its weights linked as
/// model.safetensors, and a byte-level tokenizer (the specials at RoBERTa's ids, the 256 byte symbols, one merge)
/// small enough for the fixture's 1000-row embedding.
/// </summary>
public sealed class TestModelFolder : IDisposable
{
    public string Path { get; }

    public TestModelFolder(string fixture)
    {
        Path = Directory.CreateTempSubdirectory("mrvs-model-").FullName;
        File.Copy(Fixtures.File(fixture, "config.json"), Combine(CheckpointConverter.ConfigFile));
        File.CreateSymbolicLink(Combine(CheckpointConverter.WeightsFile), Fixtures.File(fixture, "weights.safetensors"));
        var vocab = new Dictionary<string, int> { ["<s>"] = 0, ["<pad>"] = 1, ["</s>"] = 2, ["<unk>"] = 3 };
        for (int b = 0; b < 256; b++) vocab[ByteLevelAlphabet.Symbol((byte)b).ToString()] = vocab.Count;
        vocab["Ġt"] = vocab.Count;
        using (var f = File.Create(Combine(CheckpointConverter.VocabFile)))
        using (var j = new Utf8JsonWriter(f))
        {
            j.WriteStartObject();
            foreach (var (token, id) in vocab) j.WriteNumber(token, id);
            j.WriteEndObject();
        }
        File.WriteAllText(Combine(CheckpointConverter.MergesFile), "#version: 0.2\nĠ t\n");
    }

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
