using System.Text.RegularExpressions;
using V2V.TestSupport;

namespace V2V.Cli.Tests;

/// <summary>
/// Users run the trimmed native executable; its JSON comes from source-generated metadata and
/// trimming removes whatever nothing names. Every <c>--json</c> output and the <c>--report</c> of
/// the native build must equal the JIT build's, apart from timings and the folder each ran in.
/// </summary>
public partial class NativeBuildTests
{
    private static readonly string Sample = Path.Combine(RepositoryPaths.Root, "samples", "tiny-boot", "tiny-boot.img");
    private static readonly string Ova = Path.Combine(RepositoryPaths.Root, "samples", "vmware", "tiny-boot.ova");
    private static readonly string Xva = Path.Combine(RepositoryPaths.Root, "samples", "xenserver", "tiny-boot.xva");

    [GeneratedRegex("\"(elapsedSeconds|seconds)\": [0-9.E-]+")]
    private static partial Regex Timing();

    [GeneratedRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}")]
    private static partial Regex Date();

    [Test]
    public void Native_info_prints_the_same_json_as_the_jit_build()
    {
        RequireNative();
        foreach (var args in new[]
        {
            new[] { "info", Sample, "--json", "--digest" },
            ["info", Ova, "--json"],
            ["info", Xva, "--json"],
            ["info", RepositoryPaths.Sample("virt-v2v/test-i-vmx-3.vmx"), "--json"],
        })
        {
            Assert.That(CliRunner.RunProcess(args).StdOut, Is.EqualTo(CliRunner.Run(args).StdOut), string.Join(' ', args));
        }
    }

    [Test]
    public void Native_convert_check_compare_and_run_print_the_same_json_as_the_jit_build()
    {
        RequireNative();
        using var native = new TempFolder();
        using var jit = new TempFolder();
        string Both(Func<string[], CliResult> run, TempFolder folder, params string[] args)
        {
            var result = run(args.Select(a => a.Replace("{F}", folder.Path, StringComparison.Ordinal)).ToArray());
            Assert.That(result.ExitCode, Is.EqualTo(0), $"{string.Join(' ', args)}: {result.StdErr}");
            return Timing().Replace(result.StdOut.Replace(folder.Path, "{F}", StringComparison.Ordinal), "\"$1\": 0");
        }

        string pipeline = "version: 1\njobs:\n" +
            $"  - name: chain\n    source: {{ path: {Sample} }}\n    chain:\n      - {{ format: vmdk, subformat: streamOptimized, path: out/a.vmdk }}\n      - {{ format: vhdx, path: out/a.vhdx }}\n" +
            $"  - name: vm\n    source: {{ path: {Ova} }}\n    chain:\n      - {{ format: vhdx, path: \"out/{{vm}}-disk{{n}}.vhdx\" }}\n";
        File.WriteAllText(native.File("pipeline.yaml"), pipeline);
        File.WriteAllText(jit.File("pipeline.yaml"), pipeline);

        foreach (var args in new[]
        {
            new[] { "convert", Sample, "{F}/a.vhdx", "--json", "--verify", "--no-progress" },
            ["convert", Ova, "{F}/ova", "--json", "--no-progress"],
            ["convert", Xva, "{F}/xva", "--json", "--no-progress"],
            ["check", "{F}/a.vhdx", "--json"],
            ["compare", Sample, "{F}/a.vhdx", "--json"],
        })
        {
            Assert.That(Both(CliRunner.RunProcess, native, args), Is.EqualTo(Both(CliRunner.Run, jit, args)), string.Join(' ', args));
        }

        // run prints a table of timings; its JSON is the report.
        string[] run = ["run", "{F}/pipeline.yaml", "--report", "{F}/report.json", "--no-progress"];
        Both(CliRunner.RunProcess, native, run);
        Both(CliRunner.Run, jit, run);

        string Report(TempFolder folder) => Timing().Replace(File.ReadAllText(folder.File("report.json")).Replace(folder.Path, "{F}", StringComparison.Ordinal), "\"$1\": 0");
        Assert.That(Report(native), Does.Contain("\"digest\": \"xxh128-1m:"));
        Assert.That(Report(native), Is.EqualTo(Report(jit)));
        foreach (var vmJson in new[] { "ova/tiny-boot.vm.json", "xva/tiny-boot.vm.json", "ova/tiny-boot.hyperv.json" })
        {
            string Read(TempFolder folder) => Date().Replace(File.ReadAllText(folder.File(vmJson)).Replace(folder.Path, "{F}", StringComparison.Ordinal), "DATE");
            Assert.That(Read(native), Is.EqualTo(Read(jit)), vmJson);
        }
    }

    private static void RequireNative()
    {
        if (CliRunner.Executable().Program != RepositoryPaths.NativeCli)
        {
            Assert.Ignore("the native executable is not published (tests/run.sh publishes it)");
        }
    }
}
