using MRVS.DemoAssets;

// Regenerate the shipped demo with: dotnet run --project tools/DemoAssets -c Release -- samples/demo
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: dotnet run --project tools/DemoAssets -c Release -- <demo-folder, e.g. samples/demo>");
    return 2;
}
DemoAssetsWriter.Write(args[0]);
foreach (var file in Directory.EnumerateFiles(args[0], "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
    Console.WriteLine($"{new FileInfo(file).Length,10:N0}  {file}");
return 0;
