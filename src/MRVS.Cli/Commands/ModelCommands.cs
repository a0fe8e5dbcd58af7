using System.CommandLine;
using System.Globalization;
using MRVS.Pipeline;
using MRVS.Pipeline.Conversion;

namespace MRVS.Cli.Commands;

/// <summary><c>mrvs convert</c> (official checkpoint → model folder) and <c>mrvs info</c> (what a model folder holds).</summary>
public static class ModelCommands
{
    public static Command Convert()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "official checkpoint (.pth.tar)" };
        var variant = new Option<string?>("--variant") { Description = "released setting, e.g. soc-ytvos-swin-t, socpp-mevis-swin-t" };
        var config = new Option<string?>("--config") { Description = "model config.json for any other shape (e.g. a fixture's)" };
        var output = new Option<string>("--out") { Description = "model folder to create", Required = true };
        var vocab = new Option<string?>("--vocab") { Description = "roberta-base vocab.json to copy beside the model" };
        var merges = new Option<string?>("--merges") { Description = "roberta-base merges.txt to copy beside the model" };
        var cmd = new Command("convert", "Convert an official SOC / SOC++ checkpoint to model.safetensors + config.json") { checkpoint, variant, config, output, vocab, merges };
        cmd.SetAction(r => CliErrors.Guard(() =>
        {
            var cfg = ModelLoading.ResolveConfig(r.GetValue(variant), r.GetValue(config));
            CheckpointConverter.Convert(r.GetValue(checkpoint)!, cfg, r.GetValue(output)!, r.GetValue(vocab), r.GetValue(merges));
            Console.WriteLine($"wrote {r.GetValue(output)} ({cfg.Variant})");
            return 0;
        }));
        return cmd;
    }

    public static Command Info()
    {
        var dir = new Argument<string>("model-dir") { Description = "folder written by mrvs convert" };
        var cmd = new Command("info", "Describe a model folder") { dir };
        cmd.SetAction(r => CliErrors.Guard(() =>
        {
            var i = ModelInfo.Read(r.GetValue(dir)!);
            var c = CultureInfo.InvariantCulture;
            Console.WriteLine($"family      {i.Family}");
            Console.WriteLine($"variant     {i.Variant}");
            Console.WriteLine($"backbone    {i.SwinSize}");
            Console.WriteLine(string.Format(c, "parameters  {0:N0}", i.Parameters));
            Console.WriteLine($"dtypes      {string.Join(", ", i.BytesByDType.Select(kv => string.Format(c, "{0} {1:F1} MB", kv.Key, kv.Value / 1e6)))}");
            Console.WriteLine(string.Format(c, "size        {0:F1} MB", i.FileBytes / 1e6));
            Console.WriteLine($"tokenizer   {(i.HasTokenizer ? "present (vocab.json, merges.txt)" : "absent")}");
            return 0;
        }));
        return cmd;
    }
}
