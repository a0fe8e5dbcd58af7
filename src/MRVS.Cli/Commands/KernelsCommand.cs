using System.CommandLine;
using System.Globalization;
using MRVS.Backends.Cuda.Interop;
using MRVS.Backends.Cuda.Kernels;
using MRVS.Backends.Cuda.Parity;
using MRVS.Core.Errors;
using MRVS.Core.Execution;
using MRVS.Pipeline;

namespace MRVS.Cli.Commands;

/// <summary>
/// <c>mrvs kernels …</c>: tools for kernel work, one subcommand each: <c>compile</c> (every kernel through NVRTC, no
/// GPU needed), <c>report</c> (resources and occupancy, <see cref="KernelReportCommand"/>) and <c>check KIND</c> (one
/// op's kernel against its CPU reference op, optionally timed).
/// </summary>
public static class KernelsCommand
{
    public static Command Create()
    {
        var fmad = BackendOptions.Fmad();
        return new("kernels", "CUDA kernel tools") { Compile(fmad), KernelReportCommand.Create(fmad), Check() };
    }

    /// <summary><c>mrvs kernels compile [--arch compute_XX]</c>: prints each kernel's name and PTX or CUBIN
    /// size.</summary>
    private static Command Compile(Option<bool> fmad)
    {
        var arch = new Option<string>("--arch")
        {
            Description =
            "compute_XX for PTX (e.g. compute_80, compute_90) or sm_XX for a CUBIN",
            DefaultValueFactory = _ =>
                "compute_80"
        };
        var compile = new Command("compile", "Compile every kernel in kernels/ with NVRTC") { arch, fmad };
        compile.SetAction(r => CliErrors.Guard(() =>
        {
            foreach (var k in KernelCompiler.CompileAll(r.GetValue(arch)!, r.GetValue(fmad)))
                Console.WriteLine($"{k.Name,-28} {k.Image.Length,9} bytes " +
                    $"{(k.IsCubin ? "CUBIN" : "PTX")}{(k.FromCache ? " (cached)" : "")}");
            return 0;
        }));
        return compile;
    }

    /// <summary>
    /// <c>mrvs kernels check KIND [--backend cuda|cuda-emu] [--bench] [--runs N]</c>: runs the parity cases of one op
    /// kind on a CUDA device against the CPU reference op, one line per case (max error, tolerance, PASS or FAIL); exit
    /// 0 when all pass, 1 otherwise. With --bench, each case's median time over the runs, from device events on the
    /// GPU.
    /// </summary>
    private static Command Check()
    {
        var kind = new Argument<string>("kind")
        {
            Description =
            "the op kind whose kernel to check, as in kernels/KIND.cu (e.g. layer_norm), or 'all'"
        };
        var backend = new Option<Backend>("--backend")
        {
            Description = "the CUDA device: cuda (the GPU) or cuda-emu (the kernels emulated on the CPU)",
            DefaultValueFactory = _ => Backend.Cuda,
            CustomParser = r =>
            {
                var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
                if (BackendNames.TryParse(text, out var b) && b is Backend.Cuda or Backend.CudaEmu) return b;
                r.AddError($"--backend '{text}' is not one of cuda, cuda-emu");
                return default;
            },
        };
        var bench = new Option<bool>("--bench")
        {
            Description =
            "also time each case: the median over --runs runs of the kernel (device events) and of the CPU op"
        };
        var runs = CliValues.Int("--runs", "timed runs per case with --bench", 9, 1, 10_000);
        var check = new Command("check",
            "Check one op's CUDA kernel against its CPU reference op (and time it)") { kind, backend, bench, runs };
        check.SetAction(r => CliErrors.Guard(() =>
        {
            string name = r.GetValue(kind)!;
            int timedRuns = r.GetValue(runs);
            var cases = name == "all" ? KernelParityCases.All : KernelParity.For(name);
            if (cases.Count == 0)
                throw new MrvsException(MrvsErrorKind.BadInput,
                    $"no kernel checks for '{name}'; kinds: " +
                        $"{string.Join(", ", KernelParityCases.All.Select(c => c.Op.Kind).Distinct().Order())}");
            using var device = CreateDevice(r.GetValue(backend));
            using var reference = BackendFactory.Create(Backend.Cpu);
            return Run(cases, reference, device, r.GetValue(bench) ? timedRuns : 0);
        }));
        return check;
    }

    private static IBackend CreateDevice(Backend backend)
    {
        try { return BackendFactory.Create(backend); }
        catch (CudaUnavailableException e)
        {
            throw new CudaUnavailableException($"{e.Message}; check the kernels on the CPU with --backend cuda-emu");
        }
    }

    private static int Run(IReadOnlyList<KernelParityCase> cases, IBackend reference, IBackend device, int timedRuns)
    {
        var c = CultureInfo.InvariantCulture;
        int width = Math.Max(4, cases.Max(x => x.Name.Length));
        Console.WriteLine($"{"case".PadRight(width)}  {"max error",10} {"tolerance",10}  " +
            $"result{(timedRuns > 0 ? $"  {device.Name + " ms",12} {"cpu ms",10}" : "")}");
        int failed = 0;
        foreach (var x in cases)
        {
            var result = KernelParity.Check(x, reference, device);
            if (!result.Passed) failed++;
            string line = result.Problem is not null
                ? $"{x.Name.PadRight(width)}  FAIL: {result.Problem}"
                : string.Format(c, "{0}  {1,10:0.00E+00} {2,10:0.00E+00}  {3,-6}", x.Name.PadRight(width),
                    result.MaxError, result.Tolerance, result.Passed ? "PASS" : "FAIL");
            if (timedRuns > 0 && result.Problem is null)
                line += string.Format(c, "  {0,12:F4} {1,10:F4}", Median(device, x, timedRuns), Median(reference, x,
                    timedRuns));
            Console.WriteLine(line);
        }
        Console.WriteLine($"kernels check: {(failed == 0 ? "PASS" : "FAIL")} {cases.Count - failed}/{cases.Count} " +
            $"cases on {device.Name}");
        return failed == 0 ? 0 : 1;
    }

    private static double Median(IBackend backend, KernelParityCase x, int runs)
    {
        var inputs = x.CreateInputs();
        try
        {
            using var op = new SingleOp(backend, x.Op, inputs);
            return op.MedianMilliseconds(runs);
        }
        finally
        {
            foreach (var t in inputs) t.Dispose();
        }
    }
}
