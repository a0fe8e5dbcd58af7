using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MRVS.Backends.Cuda.Interop;
using MRVS.Backends.Cuda.Kernels;

namespace MRVS.Cli.Commands;

/// <summary>
/// <c>mrvs kernels report [--arch sm_90] [--json]</c>: every kernel entry point's registers, stack frame, spills,
/// static shared memory, block size and theoretical occupancy on an architecture, from NVRTC and ptxas (no GPU
/// needed).
/// </summary>
public static class KernelReportCommand
{
    public static Command Create(Option<bool> fmad)
    {
        var arch = new Option<string>("--arch")
        {
            Description = "the architecture, a CUBIN target",
            DefaultValueFactory = _ => "sm_90",
        };
        arch.AcceptOnlyFromAmong([.. GpuArchitecture.Known.Select(a => a.Name)]);
        var json = new Option<bool>("--json") { Description = "one JSON document instead of the table" };
        var report = new Command("report",
            "Registers, local memory, spills, shared memory and occupancy of every kernel (NVRTC + ptxas)")
        {
            arch, json, fmad,
        };
        report.SetAction(r => CliErrors.Guard(() =>
        {
            var limits = GpuArchitecture.Of(r.GetValue(arch)!);
            var entries = KernelReport.Build(limits.Name, r.GetValue(fmad));
            var (major, minor) = Nvrtc.GetVersion();
            string compiler = $"NVRTC {major}.{minor}{(r.GetValue(fmad) ? "" : ", --fmad=false")}";
            if (r.GetValue(json)) WriteJson(limits, compiler, entries);
            else Print(limits, compiler, entries);
            return 0;
        }));
        return report;
    }

    private static void Print(GpuArchitecture limits, string compiler, IReadOnlyList<KernelReportEntry> entries)
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine($"kernels compiled for {limits.Name} ({limits.Examples}) by {compiler}; "
            + "occupancy is theoretical, from the per-SM limits");
        const string row = "{0,-29} {1,-29} {2,4} {3,6} {4,11} {5,7} {6,12} {7,6} {8,5}  {9}{10}";
        Console.WriteLine(string.Format(c, row, "entry point", "file", "regs", "stack", "spill st/ld", "smem", "block",
            "blk/SM", "occ", "limited by", ""));
        foreach (var e in entries)
        {
            var r = e.Resources;
            string smem = r.StaticSharedBytes.ToString(c) + (e.DynamicShared ? "+dyn" : "");
            string occupancy = e.Occupancy.Fraction.ToString("P0", c);
            Console.WriteLine(string.Format(c, row, r.EntryPoint, e.File, r.Registers, r.StackFrameBytes,
                $"{r.SpillStoreBytes}/{r.SpillLoadBytes}", smem, e.Bound, e.Occupancy.BlocksPerSm, occupancy,
                e.Occupancy.Limiter, Flags(r)));
        }
        int local = entries.Count(e => e.Resources.StackFrameBytes > 0);
        int spilling = entries.Count(e => e.Resources.SpillStoreBytes + e.Resources.SpillLoadBytes > 0);
        int shaped = entries.Count(e => e.Bound.ShapeDependent);
        Console.WriteLine($"{entries.Count} entry points; {local} with local memory (stack frame), {spilling} "
            + $"spilling; {shaped} with a block set by the shape (occupancy at its maximum)");
    }

    private static string Flags(KernelResources r) =>
        (r.StackFrameBytes > 0 ? "  LOCAL" : "") + (r.SpillStoreBytes + r.SpillLoadBytes > 0 ? " SPILLS" : "");

    private static void WriteJson(GpuArchitecture limits, string compiler, IReadOnlyList<KernelReportEntry> entries)
    {
        using var stdout = Console.OpenStandardOutput();
        using var j = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true });
        j.WriteStartObject();
        j.WriteString("arch", limits.Name);
        j.WriteString("compiler", compiler);
        j.WriteStartArray("kernels");
        foreach (var e in entries)
        {
            var r = e.Resources;
            j.WriteStartObject();
            j.WriteString("entry_point", r.EntryPoint);
            j.WriteString("file", e.File + ".cu");
            j.WriteNumber("registers", r.Registers);
            j.WriteNumber("stack_frame_bytes", r.StackFrameBytes);
            j.WriteNumber("spill_store_bytes", r.SpillStoreBytes);
            j.WriteNumber("spill_load_bytes", r.SpillLoadBytes);
            j.WriteNumber("static_shared_bytes", r.StaticSharedBytes);
            j.WriteBoolean("dynamic_shared", e.DynamicShared);
            if (r.ConstantBytes is { } cmem) j.WriteNumber("constant_bytes", cmem);
            j.WriteNumber("block_threads", e.Bound.Threads);
            j.WriteBoolean("block_set_by_shape", e.Bound.ShapeDependent);
            j.WriteNumber("blocks_per_sm", e.Occupancy.BlocksPerSm);
            j.WriteNumber("occupancy", Math.Round(e.Occupancy.Fraction, 4));
            j.WriteString("limited_by", e.Occupancy.Limiter);
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteEndObject();
        j.Flush();
        stdout.WriteByte((byte)'\n');
    }
}
