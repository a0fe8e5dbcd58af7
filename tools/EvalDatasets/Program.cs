using MRVS.EvalDatasets;

// Small datasets in each benchmark's official layout: dotnet run --project tools/EvalDatasets -c Release --
// <dataset|all> <folder>
if (args.Length != 2 || (args[0] != "all" && !SyntheticDatasets.Names.Contains(args[0])))
{
    var names = string.Join("|", SyntheticDatasets.Names);
    Console.Error.WriteLine($"usage: dotnet run --project tools/EvalDatasets -c Release -- <{names}|all> <folder>");
    return 2;
}
foreach (var name in args[0] == "all" ? SyntheticDatasets.Names : [args[0]])
{
    var dir = Path.Combine(args[1], name);
    SyntheticDatasets.Write(name, dir);
    Console.WriteLine($"wrote {dir}");
}
return 0;
