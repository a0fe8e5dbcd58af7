using System.CommandLine;

namespace MRVS.Cli.Commands;

public static class BackendOptions
{
    public static Option<string> Backend(string defaultValue = "cpu")
    {
        var o = new Option<string>("--backend") { Description = "where to run: cpu, cuda or cuda-emu (the CUDA kernels emulated on the CPU)", DefaultValueFactory = _ => defaultValue };
        o.AcceptOnlyFromAmong("auto", "cpu", "cuda", "cuda-emu");
        return o;
    }
}
