using System.CommandLine;
using MRVS.Core.Execution;
using MRVS.Pipeline;

namespace MRVS.Cli.Commands;

/// <summary>
/// The options of every command that runs a model: --backend (auto by default everywhere), --precision, --threads.
/// </summary>
public static class BackendOptions
{
    public static Option<Backend> Backend()
    {
        var o = new Option<Backend>("--backend")
        {
            Description = "where to run: auto (the GPU when there is one), cpu, cuda, or cuda-emu (the CUDA kernels " +
                "emulated on the CPU)",
            DefaultValueFactory = _ => Pipeline.Backend.Auto,
            CustomParser = r =>
            {
                var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
                if (BackendNames.TryParse(text, out var b)) return b;
                r.AddError($"--backend '{text}' is not one of {string.Join(", ", BackendNames.All)}");
                return default;
            },
        };
        o.CompletionSources.Add(BackendNames.All.ToArray());
        return o;
    }

    public static Option<Precision> Precision()
    {
        var o = new Option<Precision>("--precision")
        {
            Description = "GEMM arithmetic: fp32, or fp16 / bf16 inputs with fp32 accumulation (cuda backends)",
            DefaultValueFactory = _ => Core.Execution.Precision.Fp32,
            CustomParser = r =>
            {
                var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
                try { return PrecisionNames.Parse(text.ToLowerInvariant()); }
                catch (ArgumentException)
                {
                    r.AddError($"--precision '{text}' is not one of fp32, fp16, bf16");
                    return default;
                }
            },
        };
        o.CompletionSources.Add("fp32", "fp16", "bf16");
        return o;
    }

    public static Option<int?> Threads() => CliValues.OptionalInt("--threads",
        "CPU threads for the cpu and cuda-emu backends (default: one per core)", 1, 1024);

    /// <summary>NVRTC's --fmad: false rounds every multiply and add, as the emulation computes them.</summary>
    public static Option<bool> Fmad() => new("--fmad")
    {
        Description = "let NVRTC fuse multiply-adds (false: round each, as cuda-emu does; "
            + "to bisect a GPU-vs-emulation difference)",
        DefaultValueFactory = _ => true,
    };
}
