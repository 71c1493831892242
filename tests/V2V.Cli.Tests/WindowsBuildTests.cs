using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using V2V.TestSupport;

namespace V2V.Cli.Tests;

/// <summary>
/// The Windows smoke suite: the self-contained win-x64 build (tests/run.sh publishes it into
/// artifacts/win-x64) runs under Wine on Z:\ paths, all commands in one Wine start (a cmd batch,
/// since starting Wine costs most of a second). Every command must exit as the Linux build does
/// and print the same JSON (paths and timings aside), so digests agree; qemu-img checks each
/// Windows output and finds it identical to the Linux one. File identity (FileIdentity.Windows.cs:
/// volume serial number and file id; Wine gives the Unix inode as the id) refuses an output that
/// is the source through a hard link, a linked folder or another letter case, as on Linux.
/// Wine cannot show physical drives (\\.\PhysicalDriveN) or a real Windows console (progress
/// bar, Ctrl-C): not tested here.
/// </summary>
[NonParallelizable]
public partial class WindowsBuildTests
{
    private static readonly string WinCli = Path.Combine(RepositoryPaths.Root, "artifacts", "win-x64", "v2v.exe");
    private static readonly string Raw = Path.Combine(RepositoryPaths.Root, "samples", "tiny-boot", "tiny-boot.img");
    private static readonly string Ova = Path.Combine(RepositoryPaths.Root, "samples", "vmware", "tiny-boot.ova");
    private static readonly string Xva = Path.Combine(RepositoryPaths.Root, "samples", "xenserver", "tiny-boot.xva");

    [GeneratedRegex("\"(elapsedSeconds|seconds)\": [0-9.E-]+")]
    private static partial Regex Timing();

    /// <summary>A Linux path as Wine's Z: drive shows it.</summary>
    private static string Z(string path) => "Z:" + path.Replace('/', '\\');

    private static readonly string WinePrefix = Path.Combine(RepositoryPaths.Root, "artifacts", "wine-prefix");
    private static readonly Lock PrefixLock = new();
    private static bool _prefixReady;

    private static string RequireWindowsBuild()
    {
        string wine = ExternalTool.Require("wine64");
        if (!File.Exists(WinCli))
        {
            string message = $"{WinCli} is missing (tests/run.sh publishes the win-x64 build there)";
            if (ExternalTool.InCi)
            {
                Assert.Fail(message);
            }

            Assert.Ignore(message);
        }

        // Wine writes its own lines to stderr while it creates or updates a prefix: done once here,
        // so no test's v2v.exe stderr depends on which test happened to start Wine first.
        lock (PrefixLock)
        {
            if (!_prefixReady)
            {
                using var boot = Process.Start(WineStart(wine, "wineboot", "--init"))!;
                var output = Task.WhenAll(boot.StandardOutput.ReadToEndAsync(), boot.StandardError.ReadToEndAsync());
                Assert.That(boot.WaitForExit(TimeSpan.FromMinutes(3)), Is.True, "wineboot --init did not finish in 3 minutes");
                output.Wait();
                _prefixReady = true;
            }
        }

        return wine;
    }

    /// <summary>Starts <paramref name="wine"/> with <paramref name="arguments"/> in the suite's prefix, Wine's debug output off, stdout and stderr redirected.</summary>
    private static ProcessStartInfo WineStart(string wine, params string[] arguments)
    {
        var start = new ProcessStartInfo(wine) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["WINEDEBUG"] = "-all";
        start.Environment["WINEPREFIX"] = WinePrefix;
        return start;
    }

    /// <summary>Runs every command with v2v.exe in one Wine start; each result as a process would give it.</summary>
    private static List<CliResult> RunUnderWine(string wine, string work, string[][] commands)
    {
        var batch = new StringBuilder("@echo off\r\n");
        for (int i = 0; i < commands.Length; i++)
        {
            string args = string.Join(' ', commands[i].Select(a => $"\"{a}\""));
            batch.Append(CultureInvariant($"\"{Z(WinCli)}\" {args} > \"{Z(Path.Combine(work, $"{i}.out"))}\" 2> \"{Z(Path.Combine(work, $"{i}.err"))}\"\r\n"));
            batch.Append(CultureInvariant($"echo %ERRORLEVEL% > \"{Z(Path.Combine(work, $"{i}.rc"))}\"\r\n"));
        }

        File.WriteAllText(Path.Combine(work, "smoke.cmd"), batch.ToString());
        var start = WineStart(wine, "cmd", "/c", Z(Path.Combine(work, "smoke.cmd")));
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the Windows smoke batch did not finish under Wine in 5 minutes");
        }

        TestContext.Out.WriteLine($"wine: {stdout.Result}{stderr.Result}");
        return Enumerable.Range(0, commands.Length).Select(i =>
        {
            string rc = Path.Combine(work, $"{i}.rc");
            Assert.That(File.Exists(rc), Is.True, $"command {i} ({string.Join(' ', commands[i])}) did not run under Wine: {stderr.Result}");
            return new CliResult(int.Parse(File.ReadAllText(rc).Trim(), System.Globalization.CultureInfo.InvariantCulture),
                File.ReadAllText(Path.Combine(work, $"{i}.out")), File.ReadAllText(Path.Combine(work, $"{i}.err")));
        }).ToList();
    }

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);

    /// <summary>Output with the work folder as {W}, Windows separators as /, timings as 0.</summary>
    private static string Normalize(string text, string root)
    {
        text = text.Replace(Z(root).Replace("\\", "\\\\", StringComparison.Ordinal), "{W}", StringComparison.Ordinal) // in JSON strings
            .Replace(Z(root), "{W}", StringComparison.Ordinal)
            .Replace(root, "{W}", StringComparison.Ordinal)
            .Replace("\\\\", "/", StringComparison.Ordinal)
            .Replace('\\', '/')
            .ReplaceLineEndings("\n");
        return Timing().Replace(text, "\"$1\": 0");
    }

    [Test]
    public void The_windows_build_under_wine_converts_checks_compares_and_runs_as_the_linux_build_does()
    {
        string wine = RequireWindowsBuild();
        using var linux = new TempFolder();
        using var windows = new TempFolder();
        // One set of inputs (images carry random ids), copied so each build reads its own folder.
        Directory.CreateDirectory(linux.File("in"));
        File.Copy(Raw, linux.File("in/disk.raw"));
        File.Copy(Ova, linux.File("in/vm.ova"));
        File.Copy(Xva, linux.File("in/vm.xva"));
        foreach (var (format, extra) in new[] { ("vhd", Array.Empty<string>()), ("vhdx", []), ("vmdk", ["--subformat", "monolithicSparse"]) })
        {
            var made = CliRunner.Run(["convert", linux.File("in/disk.raw"), linux.File("in/disk." + format), "--no-progress", .. extra]);
            Assert.That(made.ExitCode, Is.EqualTo(0), made.StdErr);
        }

        File.WriteAllBytes(linux.File("in/bad.vhdx"), File.ReadAllBytes(linux.File("in/disk.vhdx"))[..(200 * 1024)]);
        string deep = "out/" + new string('d', 150) + "/" + new string('e', 150); // past Windows' old 260-character MAX_PATH
        foreach (var root in new[] { linux.Path, windows.Path })
        {
            Directory.CreateDirectory(Path.Combine(root, "in"));
            Directory.CreateDirectory(Path.Combine(root, deep));
        }

        foreach (string file in Directory.GetFiles(linux.File("in")))
        {
            File.Copy(file, windows.File("in/" + Path.GetFileName(file)));
        }

        // The source again under other names, made on the Linux side: a hard link and a linked folder.
        foreach (var root in new[] { linux.Path, windows.Path })
        {
            ExternalTool.Ok("ln", Path.Combine(root, "in/disk.raw"), Path.Combine(root, "in/hard.raw"));
            File.CreateSymbolicLink(Path.Combine(root, "linked"), "in");
        }

        // Windows only: the same files in other letter cases, which Windows (and Wine) take as one name.
        File.WriteAllText(windows.File("case.yaml"),
            "version: 1\njobs:\n  - name: self\n    source: { path: 'in\\disk.vhdx' }\n    chain:\n      - { format: vhdx, path: 'IN\\Disk.VHDX' }\n" +
            "  - name: lower\n    source: { path: 'in\\disk.raw' }\n    chain:\n      - { format: vhdx, path: 'out\\case.vhdx' }\n" +
            "  - name: upper\n    source: { path: 'in\\disk.raw' }\n    chain:\n      - { format: vhdx, path: 'OUT\\CASE.VHDX' }\n");
        ExternalTool.Ok("mkfifo", windows.File("in/vm.fifo"));

        // The pipeline names its files relative to its own folder; on Windows with backslashes and a drive-letter path.
        File.WriteAllText(linux.File("pipeline.yaml"),
            "version: 1\njobs:\n  - name: chain\n    source: { path: in/disk.vhdx }\n    chain:\n      - { format: vmdk, path: out/run/chain.vmdk }\n      - { format: vhdx, path: " + linux.Path + "/out/run/chain.vhdx }\n" +
            "  - name: vm\n    source: { path: in/vm.ova }\n    chain:\n      - { format: vhdx, path: \"out/run/{vm}-disk{n}.vhdx\" }\n");
        File.WriteAllText(windows.File("pipeline.yaml"),
            "version: 1\njobs:\n  - name: chain\n    source: { path: 'in\\disk.vhdx' }\n    chain:\n      - { format: vmdk, path: 'out\\run\\chain.vmdk' }\n      - { format: vhdx, path: '" + Z(windows.Path) + "\\out\\run\\chain.vhdx' }\n" +
            "  - name: vm\n    source: { path: 'in\\vm.ova' }\n    chain:\n      - { format: vhdx, path: 'out\\run\\{vm}-disk{n}.vhdx' }\n");

        string[][] Commands(Func<string, string> at)
        {
            var commands = new List<string[]>();
            foreach (string kind in new[] { "raw", "vhd", "vhdx", "vmdk" })
            {
                commands.Add(["convert", at($"in/disk.{kind}"), at($"out/{kind}.vhdx"), "--json", "--verify", "--no-progress"]);
                commands.Add(["info", at($"in/disk.{kind}"), "--json", "--digest"]);
            }

            commands.Add(["convert", at("in/disk.raw"), at("out/raw.vhd"), "--json", "--no-progress"]);
            commands.Add(["convert", at("in/disk.raw"), at("out/raw.vmdk"), "--json", "--no-progress"]);
            commands.Add(["convert", at("in/disk.vhdx"), at("out/vhdx.raw"), "--json", "--no-progress"]);
            foreach (string kind in new[] { "ova", "xva" })
            {
                commands.Add(["convert", at($"in/vm.{kind}"), at(kind), "--json", "--no-progress"]);
                commands.Add(["info", at($"in/vm.{kind}"), "--json"]);
            }

            commands.Add(["convert", at("in/disk.vmdk"), at(deep + "/long.vhdx"), "--json", "--no-progress"]);
            commands.Add(["convert", at("in/disk.raw"), at("in/hard.raw"), "--to", "raw", "--force", "--no-progress"]); // a hard link to the source
            commands.Add(["convert", at("in/disk.vhdx"), at("linked/disk.vhdx"), "--to", "vhdx", "--force", "--no-progress"]); // the source through a linked folder
            commands.Add(["check", at("out/vhdx.vhdx"), "--json"]);
            commands.Add(["check", at("out/raw.vmdk"), "--json"]);
            commands.Add(["compare", at("in/disk.raw"), at("out/vmdk.vhdx"), "--json"]);
            commands.Add(["run", at("pipeline.yaml"), "--report", at("out/report.json"), "--no-progress"]);
            commands.Add(["info", at("in/bad.vhdx")]);
            commands.Add(["convert", at("in/disk.raw"), at("out/raw.vhd"), "--no-progress"]); // exists: refused
            return [.. commands];
        }

        var linuxCommands = Commands(p => Path.Combine(linux.Path, p));
        // Windows only, after the shared ones: devices and streams by their Windows names, other letter cases.
        string[][] windowsOnly =
        [
            ["info", "NUL"],
            ["convert", "NUL", Z(windows.File("nul")), "--no-progress"],
            ["convert", Z(windows.File("in/disk.raw")), Z(windows.Path) + @"\IN\DISK.RAW", "--to", "raw", "--force", "--no-progress"],
            ["run", Z(windows.File("case.yaml")), "--no-progress"],
            ["convert", Z(windows.File("in/vm.fifo")), Z(windows.File("fifo")), "--no-progress"],
        ];
        string[][] linuxEquivalents = [["info", "/dev/null"], ["convert", "/dev/null", linux.File("nul"), "--no-progress"]];
        var clock = Stopwatch.StartNew();
        var linuxResults = linuxCommands.Concat(linuxEquivalents).Select(CliRunner.Run).ToList();
        var linuxTime = clock.Elapsed;
        var before = File.ReadAllBytes(windows.File("in/disk.raw"));

        // The FIFO's writer holds it open read-write, so that it always has a writer (no EOF before
        // the data) and Wine opening it to ask its type loses nothing.
        var fifoWriter = Task.Run(() =>
        {
            using var fifo = new FileStream(windows.File("in/vm.fifo"), FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1);
            using var xva = File.OpenRead(windows.File("in/vm.xva"));
            xva.CopyTo(fifo);
        });
        clock.Restart();
        var windowsResults = RunUnderWine(wine, windows.Path, [.. Commands(p => Z(Path.Combine(windows.Path, p))), .. windowsOnly]);
        TestContext.Out.WriteLine($"{linuxCommands.Length + windowsOnly.Length} commands: Linux (in-process) {linuxTime.TotalSeconds:F1} s, Windows build under Wine {clock.Elapsed.TotalSeconds:F1} s");
        if (!fifoWriter.Wait(TimeSpan.FromSeconds(10)))
        {
            using var drain = File.OpenRead(windows.File("in/vm.fifo")); // release the writer
            drain.CopyTo(Stream.Null);
            Assert.Fail("v2v.exe never read the FIFO");
        }

        Assert.Multiple(() =>
        {
            int shared = linuxCommands.Length;
            string Nul(string text) => text.Replace("/dev/null", "NUL", StringComparison.Ordinal);
            for (int i = 0; i < linuxEquivalents.Length; i++)
            {
                string what = string.Join(' ', windowsOnly[i]);
                Assert.That(windowsResults[shared + i].ExitCode, Is.EqualTo(linuxResults[shared + i].ExitCode).And.EqualTo(2), what + ": exit code");
                Assert.That(Normalize(windowsResults[shared + i].StdErr, windows.Path), Is.EqualTo(Nul(Normalize(linuxResults[shared + i].StdErr, linux.Path))), what + ": stderr");
            }

            var caseCopy = windowsResults[shared + 2];
            Assert.That(caseCopy.ExitCode, Is.EqualTo(2), "the source in capitals: " + caseCopy.StdErr);
            Assert.That(Normalize(caseCopy.StdErr, windows.Path), Does.StartWith("error: {W}/IN/DISK.RAW: this output is the same file as {W}/in/disk.raw, which this run reads"));
            Assert.That(File.ReadAllBytes(windows.File("in/disk.raw")), Is.EqualTo(before), "the source as it was");

            var caseRun = windowsResults[shared + 3];
            Assert.That(caseRun.ExitCode, Is.EqualTo(2), "a pipeline naming its source and outputs in other cases: " + caseRun.StdErr);
            Assert.That(caseRun.StdErr, Does.Contain("this output is the same file as").And.Contain(@"is also written by job ""lower"""));

            var fifo = windowsResults[shared + 4];
            Assert.That(fifo.ExitCode, Is.EqualTo(0), "an XVA streamed through a FIFO: " + fifo.StdErr);
        });

        Assert.Multiple(() =>
        {
            for (int i = 0; i < linuxCommands.Length; i++)
            {
                string what = string.Join(' ', linuxCommands[i]);
                Assert.That(windowsResults[i].ExitCode, Is.EqualTo(linuxResults[i].ExitCode), $"{what}: exit code; stderr {windowsResults[i].StdErr}");
                Assert.That(Normalize(windowsResults[i].StdErr, windows.Path), Is.EqualTo(Normalize(linuxResults[i].StdErr, linux.Path)), what + ": stderr");
                if (linuxCommands[i][0] != "run")
                {
                    Assert.That(Normalize(windowsResults[i].StdOut, windows.Path), Is.EqualTo(Normalize(linuxResults[i].StdOut, linux.Path)), what + ": stdout");
                }
            }
        });
        Assert.That(linuxResults[linuxCommands.Length - 2].StdErr, Does.StartWith("error: "), "a malformed image is one error: line");
        Assert.That(linuxResults[linuxCommands.Length - 3].ExitCode, Is.EqualTo(0), "run: " + linuxResults[linuxCommands.Length - 3].StdErr);
        Assert.That(linuxResults[linuxCommands.Length - 7].StdErr, Does.Contain("never writes its source"), "a linked folder's output is the source");
        Assert.That(linuxResults[linuxCommands.Length - 8].StdErr, Does.Contain("never writes its source"), "a hard link is the source");
        Assert.That(Normalize(File.ReadAllText(windows.File("out/report.json")), windows.Path), Is.EqualTo(Normalize(File.ReadAllText(linux.File("out/report.json")), linux.Path)));

        foreach (var (file, format) in new[]
        {
            ("out/raw.vhdx", "vhdx"), ("out/vhd.vhdx", "vhdx"), ("out/vhdx.vhdx", "vhdx"), ("out/vmdk.vhdx", "vhdx"), ("out/raw.vhd", "vpc"), ("out/raw.vmdk", "vmdk"),
            ("out/vhdx.raw", "raw"), ("ova/tiny-boot-disk1.vhdx", "vhdx"), ("xva/tiny-boot-disk1.vhdx", "vhdx"), ("out/run/chain.vmdk", "vmdk"), ("out/run/chain.vhdx", "vhdx"),
            ("out/run/tiny-boot-disk1.vhdx", "vhdx"), (deep + "/long.vhdx", "vhdx"),
        })
        {
            if (format is not ("raw" or "vpc")) // qemu-img checks neither
            {
                QemuImg.AssertChecks(windows.File(file), format);
            }

            QemuImg.AssertIdentical(windows.File(file), format, linux.File(file), format);
        }

        QemuImg.AssertIdentical(windows.File("fifo/tiny-boot-disk1.vhdx"), "vhdx", linux.File("xva/tiny-boot-disk1.vhdx"), "vhdx");
    }

    [Test]
    public void Ctrl_c_under_wine_stops_a_stream_that_stalls_mid_copy_exits_130_and_leaves_nothing()
    {
        string wine = RequireWindowsBuild();
        using var folder = new TempFolder();
        string fifo = folder.File("vm.fifo");
        string output = folder.File("out");
        ExternalTool.Ok("mkfifo", fifo);

        // Half the XVA, then nothing: the writer stays (held read-write), so v2v.exe waits inside a read.
        using var writer = new FileStream(fifo, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1);
        var xva = File.ReadAllBytes(Xva);
        var feed = Task.Run(() => writer.Write(xva, 0, xva.Length / 2));

        var start = WineStart(wine, Z(WinCli), "convert", Z(fifo), Z(output), "--no-progress");
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            var clock = Stopwatch.StartNew();
            while (!(Directory.Exists(output) && Directory.GetFiles(output, "*.partial", SearchOption.AllDirectories).Length > 0))
            {
                if (process.HasExited)
                {
                    Assert.Fail("v2v.exe ended before writing: " + stderr.Result);
                }

                if (clock.Elapsed > TimeSpan.FromMinutes(1))
                {
                    Assert.Fail("no partial output within a minute");
                }

                Thread.Sleep(100);
            }

            Assert.That(feed.Wait(TimeSpan.FromSeconds(30)), Is.True, "v2v.exe stopped reading before half the XVA");
            Thread.Sleep(500); // inside the read that waits for the rest

            // Wine turns SIGINT into the console's CTRL_C_EVENT, which .NET's Console.CancelKeyPress receives.
            ExternalTool.Ok("kill", "-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.That(process.WaitForExit(TimeSpan.FromSeconds(20)), Is.True, "v2v.exe still running 20 s after Ctrl-C");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(process.ExitCode, Is.EqualTo(130), stderr.Result);
            Assert.That(stderr.Result, Does.StartWith("error: cancelled"));
            Assert.That(Directory.Exists(output) ? Directory.GetFiles(output, "*", SearchOption.AllDirectories) : [], Is.Empty, "no partial file left");
        });
    }

    [Test]
    public async Task The_windows_build_under_wine_reads_an_xva_from_standard_input()
    {
        string wine = RequireWindowsBuild();
        using var folder = new TempFolder();
        var linux = CliRunner.Run("convert", Xva, folder.File("linux"), "--no-progress");
        Assert.That(linux.ExitCode, Is.EqualTo(0), linux.StdErr);

        // stdin is the console's stream on Windows, not a poll(2)-able descriptor: fed here as a pipe.
        var start = WineStart(wine, Z(WinCli), "convert", "-", Z(folder.File("windows")), "--no-progress");
        start.RedirectStandardInput = true;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await using (var input = File.OpenRead(Xva))
        {
            await input.CopyToAsync(process.StandardInput.BaseStream);
        }

        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("v2v.exe convert - did not finish under Wine in 2 minutes");
        }

        Assert.That(process.ExitCode, Is.EqualTo(0), await stderr + await stdout);
        QemuImg.AssertIdentical(folder.File("windows/tiny-boot-disk1.vhdx"), "vhdx", folder.File("linux/tiny-boot-disk1.vhdx"), "vhdx");
    }
}
