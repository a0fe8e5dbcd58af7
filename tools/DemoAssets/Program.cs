using MRVS.DemoAssets;
using MRVS.Models.Config;

// A synthetic-weight model folder: dotnet run --project tools/DemoAssets -c Release -- <out-dir> [config.json]
// (the demo model's architecture when no config is given).
if (args.Length is < 1 or > 2)
{
    Console.Error.WriteLine("usage: dotnet run --project tools/DemoAssets -c Release -- <model folder> [config.json]");
    return 2;
}
var config = args.Length == 2
    ? ModelConfig.Load(args[1])
    : DemoModelConfig.Create(SyntheticModelFolder.Tokenizer().Tokens.Count);
SyntheticModelFolder.Write(args[0], config);
foreach (var file in Directory.EnumerateFiles(args[0]).Order(StringComparer.Ordinal))
    Console.WriteLine($"{new FileInfo(file).Length,10:N0}  {file}");
return 0;
