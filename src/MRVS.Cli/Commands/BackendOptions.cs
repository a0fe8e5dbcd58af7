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

    public static Option<string> Precision()
    {
        var o = new Option<string>("--precision") { Description = "GEMM arithmetic: fp32, or fp16 / bf16 inputs with fp32 accumulation (cuda backends)", DefaultValueFactory = _ => "fp32" };
        o.AcceptOnlyFromAmong("fp32", "fp16", "bf16");
        return o;
    }

    public static Option<int?> Threads()
    {
        var o = new Option<int?>("--threads") { Description = "threads of the cpu backend (default: every core)" };
        o.Validators.Add(r =>
        {
            if (r.GetValue(o) is < 1) r.AddError($"--threads must be at least 1 (got {r.GetValue(o)})");
        });
        return o;
    }

    /// <summary>NVRTC's --fmad: false rounds every multiply and add, as the emulation computes them.</summary>
    public static Option<bool> Fmad() => new("--fmad")
    {
        Description = "let NVRTC fuse multiply-adds (false: round each, as cuda-emu does; "
            + "to bisect a GPU-vs-emulation difference)",
        DefaultValueFactory = _ => true,
    };
}
