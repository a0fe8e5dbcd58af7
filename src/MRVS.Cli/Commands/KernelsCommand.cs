using System.CommandLine;
using MRVS.Backends.Cuda.Kernels;

namespace MRVS.Cli.Commands;

/// <summary>
/// <c>mrvs kernels compile [--arch compute_XX]</c>: compiles every kernel with NVRTC (no GPU needed) and prints name
/// and PTX or CUBIN size; <c>mrvs kernels report</c>: resources and occupancy (<see cref="KernelReportCommand"/>).
/// </summary>
public static class KernelsCommand
{
    public static Command Create()
    {
        var arch = new Option<string>("--arch") { Description = "compute_XX for PTX (e.g. compute_80, compute_90) or sm_XX for a CUBIN", DefaultValueFactory = _ => "compute_80" };
        var fmad = BackendOptions.Fmad();
        var compile = new Command("compile", "Compile every kernel in kernels/ with NVRTC") { arch, fmad };
        compile.SetAction(r => CliErrors.Guard(() =>
        {
            foreach (var k in KernelCompiler.CompileAll(r.GetValue(arch)!, r.GetValue(fmad)))
                Console.WriteLine($"{k.Name,-28} {k.Image.Length,9} bytes {(k.IsCubin ? "CUBIN" : "PTX")}{(k.FromCache ? " (cached)" : "")}");
            return 0;
        }));
        return new Command("kernels", "CUDA kernel tools") { compile, KernelReportCommand.Create(fmad) };
    }
}
