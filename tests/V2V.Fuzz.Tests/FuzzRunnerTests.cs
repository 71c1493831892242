using V2V.TestSupport;
using V2V.TestSupport.Fuzzing;

namespace V2V.Fuzz.Tests;

/// <summary>The fuzz run's oracle can fail: each broken promise it watches for is reported.</summary>
public sealed class FuzzRunnerTests
{
    private static FuzzFailure? RunOnce(FuzzVerb verb, byte[] input)
    {
        using var work = new TempFolder();
        var target = new FuzzTarget("probe", "disk.raw", [input], [verb]);
        return FuzzRunner.Run(target, input, work.Path);
    }

    [Test]
    public void A_clean_input_breaks_no_promise() =>
        Assert.That(RunOnce(FuzzVerb.ConvertDisk, new byte[1 << 20]), Is.Null);

    [Test]
    public void An_exit_3_is_a_failure()
    {
        // /proc takes no new files: an I/O error, exit 3, as an internal error would give.
        var failure = RunOnce(new FuzzVerb((file, _) => ["convert", file, "/proc/target.vhdx", "--no-sync"]), new byte[1 << 20]);
        Assert.That(failure?.Problem, Does.StartWith("exit 3"));
    }

    [Test]
    public void The_hive_log_packer_gives_a_real_log_the_hashes_it_has()
    {
        // What guest-hive-log-fixed relies on: recomputing leaves Windows' own Marvin32 hashes unchanged.
        using var folder = new TempFolder();
        string log = folder.File("SYSTEM_B.LOG1");
        ExternalTool.Ok("sh", "-c", $"xz -dc '{RepositoryPaths.Sample("windows/regipy/SYSTEM_B.LOG1.xz")}' > '{log}'");
        byte[] real = File.ReadAllBytes(log);
        byte[] broken = (byte[])real.Clone();
        Array.Clear(broken, 512 + 24, 16);

        Assert.That(HiveLogChecksums.Fix(broken), Is.EqualTo(real));
    }
}
