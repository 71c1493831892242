using System.Diagnostics;
using V2V.TestSupport;

namespace V2V.Cli.Tests.Reliability;

/// <summary>
/// The real executable under faults: signals while it waits on a pipe or copies, kill -9, a full
/// filesystem, linked target folders. Each leaves at most a .partial file (kill -9 only) and never
/// a finished-looking output. A FIFO the test feeds and then holds open stands the run still
/// mid-copy, so the fault lands at a known moment without timing guesses.
/// </summary>
public class FaultTests
{
    private const long MiB = 1024 * 1024;

    private readonly List<(int Id, DateTime StartTime)> _started = [];

    /// <summary>A test that failed half-way must not leave a v2v behind holding the test host's pipes.</summary>
    [TearDown]
    public void KillLeftovers()
    {
        foreach (var (id, startTime) in _started)
        {
            try
            {
                using var process = Process.GetProcessById(id);
                if (process.StartTime == startTime && !process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // Already gone.
            }
        }

        _started.Clear();
    }

    private Process Start(params string[] args) => Start(ignoringHangUp: false, args);

    /// <param name="ignoringHangUp">Starts v2v with SIGHUP ignored, as <c>nohup</c> does (through sh's <c>trap "" HUP</c>, which exec keeps).</param>
    private Process Start(bool ignoringHangUp, params string[] args)
    {
        var (program, prefix) = CliRunner.Executable();
        var start = new ProcessStartInfo(ignoringHangUp ? "/bin/sh" : program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        if (ignoringHangUp)
        {
            new[] { "-c", "trap '' HUP; exec \"$0\" \"$@\"", program }.ToList().ForEach(start.ArgumentList.Add);
        }

        prefix.ForEach(start.ArgumentList.Add);
        args.ToList().ForEach(start.ArgumentList.Add);
        var process = Process.Start(start)!;
        _started.Add((process.Id, process.StartTime));
        return process;
    }

    private static string Xva(TempFolder folder)
    {
        string raw = SparseImage.Create(folder.File("disk.raw"), 6 * MiB, [new DataRun(0, (int)(6 * MiB), RunFill.Random)]);
        var builder = new XvaBuilder(folder.Path);
        builder.AddDisk(raw, 6 * MiB, 0, "system");
        return builder.Build(folder.File("vm.xva"));
    }

    private static string Fifo(TempFolder folder)
    {
        string fifo = folder.File("feed");
        ExternalTool.Ok("mkfifo", fifo);
        return fifo;
    }

    /// <summary>Writes the first <paramref name="bytes"/> of <paramref name="file"/> into the FIFO and holds it open until disposed.</summary>
    private static async Task<FileStream> FeedAsync(string fifo, string file, long bytes)
    {
        var writer = await Task.Run(() => new FileStream(fifo, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.None)).WaitAsync(TimeSpan.FromSeconds(30));
        var content = File.ReadAllBytes(file);
        await writer.WriteAsync(content.AsMemory(0, (int)bytes));
        await writer.FlushAsync();
        return writer;
    }

    private static void WaitFor(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), $"waiting for {what}");
            Thread.Sleep(20);
        }
    }

    /// <summary>True once the process holds <paramref name="path"/> open (its signal handlers are in place by then).</summary>
    private static bool HasOpen(Process process, string path)
    {
        try
        {
            return Directory.GetFiles($"/proc/{process.Id}/fd").Any(fd => new FileInfo(fd).LinkTarget == path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string[] Files(string folder) =>
        Directory.Exists(folder) ? Directory.GetFiles(folder).Select(f => Path.GetFileName(f)!).Order().ToArray() : [];

    [TestCase("TERM")]
    [TestCase("INT")]
    [TestCase("HUP")]
    public void A_fifo_nobody_writes_to_gives_way_to_a_signal_within_a_second(string signal)
    {
        using var folder = new TempFolder();
        string fifo = Fifo(folder);
        using var process = Start("convert", fifo, folder.File("out"));
        WaitFor(() => HasOpen(process, fifo), "v2v to open the FIFO");

        var clock = Stopwatch.StartNew();
        ExternalTool.Ok("kill", $"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        bool exited = process.WaitForExit(5000);
        clock.Stop();

        Assert.That(exited, Is.True, "still waiting after SIG" + signal);
        Assert.Multiple(() =>
        {
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1)));
            Assert.That(process.ExitCode, Is.EqualTo(130));
            Assert.That(Directory.Exists(folder.File("out")), Is.False);
        });
    }

    [Test]
    public async Task An_xva_through_a_fifo_streams_like_stdin()
    {
        ExternalTool.Require("xxhsum");
        using var folder = new TempFolder();
        string xva = Xva(folder);
        string fifo = Fifo(folder);
        using var process = Start("convert", fifo, folder.File("out"), "--to", "raw");
        await using (await FeedAsync(fifo, xva, new FileInfo(xva).Length))
        {
        }

        Assert.That(process.WaitForExit(30000), Is.True);
        Assert.That(process.ExitCode, Is.EqualTo(0), process.StandardError.ReadToEnd());
        Assert.That(File.ReadAllBytes(folder.File("out/xen01-disk1.raw")), Is.EqualTo(File.ReadAllBytes(folder.File("disk.raw"))));
    }

    [Test]
    public async Task A_raw_disk_through_a_fifo_needs_a_seekable_file()
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("disk.raw"), MiB, [new DataRun(0, 4096, RunFill.Random)]);
        string fifo = Fifo(folder);
        using var process = Start("convert", fifo, folder.File("out.vhdx"));
        await using (await FeedAsync(fifo, raw, 65536))
        {
            Assert.That(process.WaitForExit(30000), Is.True);
        }

        Assert.That(process.ExitCode, Is.EqualTo(2));
        Assert.That(process.StandardError.ReadToEnd(), Does.Contain("feed").And.Contain("need a seekable file"));
        Assert.That(Files(folder.Path), Is.EqualTo(new[] { "disk.raw", "feed" }));
    }

    [TestCase("TERM")]
    [TestCase("HUP")]
    public async Task Sigterm_or_sighup_mid_copy_exits_130_and_leaves_nothing(string signal)
    {
        ExternalTool.Require("xxhsum");
        using var folder = new TempFolder();
        string xva = Xva(folder);
        string fifo = Fifo(folder);
        string output = folder.File("hyperv/out");
        using var process = Start("convert", fifo, output);
        await using (var feed = await FeedAsync(fifo, xva, new FileInfo(xva).Length / 2))
        {
            WaitFor(() => Files(output).Any(f => f.EndsWith(".partial", StringComparison.Ordinal)), "the partial output");

            ExternalTool.Ok("kill", $"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.That(process.WaitForExit(5000), Is.True);
        }

        Assert.That(process.ExitCode, Is.EqualTo(130), process.StandardError.ReadToEnd());
        Assert.That(Directory.Exists(folder.File("hyperv")), Is.False, "no partial file, not even the folders the run made (hyperv/ once stayed)");
    }

    [Test]
    public async Task A_run_started_under_nohup_goes_on_through_a_hang_up()
    {
        ExternalTool.Require("xxhsum");
        using var folder = new TempFolder();
        string xva = Xva(folder);
        string fifo = Fifo(folder);
        string output = folder.File("out");
        using var process = Start(ignoringHangUp: true, "convert", fifo, output, "--to", "raw");
        long length = new FileInfo(xva).Length;
        await using (var feed = await FeedAsync(fifo, xva, length / 2))
        {
            WaitFor(() => Files(output).Any(f => f.EndsWith(".partial", StringComparison.Ordinal)), "the partial output");
            ExternalTool.Ok("kill", "-HUP", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.That(process.WaitForExit(500), Is.False, "a SIGHUP that nohup ignores must not stop the run");
            await feed.WriteAsync(File.ReadAllBytes(xva).AsMemory((int)(length / 2)));
        }

        Assert.That(process.WaitForExit(30000), Is.True);
        Assert.That(process.ExitCode, Is.EqualTo(0), process.StandardError.ReadToEnd());
        Assert.That(File.ReadAllBytes(Path.Combine(output, "xen01-disk1.raw")), Is.EqualTo(File.ReadAllBytes(folder.File("disk.raw"))));
    }

    [Test]
    public async Task Kill_9_mid_copy_leaves_only_a_partial_file_and_a_rerun_succeeds()
    {
        ExternalTool.Require("xxhsum");
        using var folder = new TempFolder();
        string xva = Xva(folder);
        string fifo = Fifo(folder);
        string output = folder.File("out");
        using var process = Start("convert", fifo, output, "--to", "raw");
        await using (var feed = await FeedAsync(fifo, xva, new FileInfo(xva).Length / 2))
        {
            WaitFor(() => Files(output).Any(f => f.EndsWith(".partial", StringComparison.Ordinal)), "the partial output");
            process.Kill();
            Assert.That(process.WaitForExit(5000), Is.True);
        }

        Assert.That(Files(output), Is.Not.Empty.And.All.EndsWith(".partial"), "only partial files after kill -9");

        var rerun = CliRunner.Run("convert", xva, output, "--to", "raw", "--verify");

        Assert.That(rerun.ExitCode, Is.EqualTo(0), rerun.StdErr);
        Assert.That(Files(output), Is.EqualTo(new[] { "xen01-disk1.raw", "xen01.vm.json" }));
        Assert.That(File.ReadAllBytes(Path.Combine(output, "xen01-disk1.raw")), Is.EqualTo(File.ReadAllBytes(folder.File("disk.raw"))));
    }

    [TestCase("dynamic")]
    [TestCase("fixed")]
    public void A_full_filesystem_fails_naming_the_file_and_leaves_nothing(string subformat)
    {
        using var folder = new TempFolder();
        string mount = folder.File("small");
        Directory.CreateDirectory(mount);
        if (ExternalTool.Run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount).ExitCode != 0)
        {
            string why = "mounting a tmpfs needs root";
            if (ExternalTool.InCi)
            {
                Assert.Fail(why);
            }

            Assert.Ignore(why);
        }

        try
        {
            string raw = SparseImage.Create(folder.File("disk.raw"), 8 * MiB, [new DataRun(0, (int)(8 * MiB), RunFill.Random)]);

            var result = CliRunner.Run("convert", raw, Path.Combine(mount, "disk.vhdx"), "--subformat", subformat, "--block-size", "1M");

            Assert.That(result.ExitCode, Is.EqualTo(3), result.StdErr);
            Assert.That(result.StdErr, Does.Contain(Path.Combine(mount, "disk.vhdx")).And.Contain("space").IgnoreCase);
            Assert.That(Files(mount), Is.Empty);
        }
        finally
        {
            ExternalTool.Run("umount", mount);
        }
    }

    [Test]
    public void A_target_through_a_linked_folder_lands_in_the_real_folder()
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("disk.raw"), 2 * MiB, [new DataRun(0, 4096, RunFill.Random)]);
        Directory.CreateDirectory(folder.File("real"));
        File.CreateSymbolicLink(folder.File("linked"), folder.File("real"));

        Assert.That(CliRunner.Run("convert", raw, folder.File("linked/disk.vhdx"), "--verify").ExitCode, Is.EqualTo(0));

        Assert.That(Files(folder.File("real")), Is.EqualTo(new[] { "disk.vhdx" }));
    }

    [Test]
    public void Forcing_over_a_link_to_another_file_replaces_the_link_not_that_file()
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("disk.raw"), 2 * MiB, [new DataRun(0, 4096, RunFill.Random)]);
        File.WriteAllText(folder.File("precious.txt"), "keep");
        File.CreateSymbolicLink(folder.File("disk.vhdx"), folder.File("precious.txt"));

        Assert.That(CliRunner.Run("convert", raw, folder.File("disk.vhdx"), "--force").ExitCode, Is.EqualTo(0));

        Assert.That(File.ReadAllText(folder.File("precious.txt")), Is.EqualTo("keep"));
        Assert.That(new FileInfo(folder.File("disk.vhdx")).LinkTarget, Is.Null, "the output is a file of its own");
    }
}
