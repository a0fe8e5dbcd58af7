using System.CommandLine;
using System.Globalization;
using MRVS.Pipeline;
using MRVS.Pipeline.Conversion;

namespace MRVS.Cli.Commands;

/// <summary>
/// <c>mrvs convert</c> (official checkpoint → model folder) and <c>mrvs info</c> (what a model folder holds,
/// checked).
/// </summary>
public static class ModelCommands
{
    /// <summary>Where roberta-base's tokenizer files come from, for the warning of a conversion without them.</summary>
    public const string TokenizerSource = "https://huggingface.co/FacebookAI/roberta-base/resolve/main/";

    public static Command Convert()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "official checkpoint (.pth.tar)" };
        var variant = new Option<string?>("--variant")
        {
            Description =
            "released setting, e.g. soc-ytvos-swin-t, socpp-mevis-swin-t"
        };
        var config = new Option<string?>("--config")
        {
            Description =
            "model config.json for any other shape (e.g. a fixture's)"
        };
        var output = new Option<string>("--out") { Description = "model folder to create", Required = true };
        var vocab = new Option<string?>("--vocab")
        {
            Description = $"roberta-base vocab.json to copy beside the model ({TokenizerSource}vocab.json)",
        };
        var merges = new Option<string?>("--merges")
        {
            Description = $"roberta-base merges.txt to copy beside the model ({TokenizerSource}merges.txt)",
        };
        var quiet = CliValues.Quiet();
        var json = CliValues.Json();
        var cmd = new Command("convert",
            "Convert an official SOC / SOC++ checkpoint to model.safetensors + config.json")
        {
            checkpoint, variant, config, output, vocab, merges, quiet, json,
        };
        cmd.SetAction(r => CliErrors.Guard(() =>
        {
            var cfg = ModelLoading.ResolveConfig(r.GetValue(variant), r.GetValue(config));
            return SignalCancellation.Run(cancel =>
            {
                CheckpointConverter.Convert(r.GetValue(checkpoint)!, cfg, r.GetValue(output)!, r.GetValue(vocab),
                    r.GetValue(merges), cancel: cancel);
                bool tokenizer = r.GetValue(vocab) is not null;
                if (r.GetValue(json))
                    JsonOutput.Object(j =>
                    {
                        j.WriteString("output", Path.GetFullPath(r.GetValue(output)!));
                        j.WriteString("variant", cfg.Variant);
                        j.WriteBoolean("tokenizer", tokenizer);
                    });
                else if (!r.GetValue(quiet)) Console.WriteLine($"wrote {r.GetValue(output)} ({cfg.Variant})");
                if (!tokenizer && !r.GetValue(quiet))
                    Console.Error.WriteLine($"mrvs: warning: no --vocab/--merges given, so '{r.GetValue(output)}' " +
                        "has no tokenizer and mrvs segment will refuse it; copy roberta-base's vocab.json and " +
                        $"merges.txt ({TokenizerSource}vocab.json, {TokenizerSource}merges.txt) into it");
                return 0;
            });
        }));
        return cmd;
    }

    public static Command Info()
    {
        var dir = new Argument<string>("model-dir") { Description = "folder written by mrvs convert" };
        var text = new Option<string?>("--text")
        {
            Description
            = "also show how the folder's tokenizer encodes this sentence"
        };
        var json = CliValues.Json();
        var cmd = new Command("info", "Describe a model folder after checking it as segment does (config, every " +
            "weight, tokenizer)") { dir, text, json };
        cmd.SetAction(r => CliErrors.Guard(() =>
        {
            var i = ModelInfo.Read(r.GetValue(dir)!, r.GetValue(text));
            if (r.GetValue(json))
            {
                JsonOutput.Object(j =>
                {
                    j.WriteString("family", i.Family);
                    j.WriteString("variant", i.Variant);
                    j.WriteString("backbone", i.SwinSize);
                    j.WriteNumber("parameters", i.Parameters);
                    j.WriteStartObject("bytes_by_dtype");
                    foreach (var (dtype, bytes) in i.BytesByDType) j.WriteNumber(dtype.ToString(), bytes);
                    j.WriteEndObject();
                    j.WriteNumber("file_bytes", i.FileBytes);
                    j.WriteBoolean("tokenizer", i.HasTokenizer);
                    j.WriteNumber("max_tokens", i.MaxTokens);
                    if (i.Tokens is { } t)
                    {
                        j.WriteStartArray("token_ids");
                        foreach (var id in t.InputIds) j.WriteNumberValue(id);
                        j.WriteEndArray();
                    }
                });
                return 0;
            }
            var c = CultureInfo.InvariantCulture;
            Console.WriteLine($"family      {i.Family}");
            Console.WriteLine($"variant     {i.Variant}");
            Console.WriteLine($"backbone    {i.SwinSize}");
            Console.WriteLine(string.Format(c, "parameters  {0:N0}", i.Parameters));
            Console.WriteLine("dtypes      " + string.Join(", ",
                i.BytesByDType.Select(kv => string.Format(c, "{0} {1:F1} MB", kv.Key, kv.Value / 1e6))));
            Console.WriteLine(string.Format(c, "size        {0:F1} MB", i.FileBytes / 1e6));
            Console.WriteLine("tokenizer   " + (i.HasTokenizer
                ? $"present (vocab.json, merges.txt), sentences up to {i.MaxTokens} tokens"
                : "absent"));
            if (i.Tokens is { } tokens)
                Console.WriteLine($"tokens      {string.Join(' ', tokens.InputIds)} ({tokens.Length} of at most " +
                    $"{i.MaxTokens})");
            Console.WriteLine(i.HasTokenizer
                ? "checked     config, every weight (key, shape, finite values), tokenizer: ready for mrvs segment"
                : "checked     config, every weight (key, shape, finite values); mrvs segment also needs vocab.json " +
                    "and merges.txt");
            return 0;
        }));
        return cmd;
    }
}
