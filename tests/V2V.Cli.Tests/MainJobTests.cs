using System.Text.RegularExpressions;
using V2V.TestSupport;

namespace V2V.Cli.Tests;

/// <summary>
/// The README's main job, run as the README says, and its outputs booted by a real virtual
/// machine monitor: qemu-system-x86_64 under software emulation must print the sample's marker.
/// </summary>
public partial class MainJobTests
{
    [GeneratedRegex(@"^\s*(dotnet run --project src/V2V\.Cli -c Release -- run (\S+))\s*$", RegexOptions.Multiline)]
    private static partial Regex MainJob();

    [Test]
    public void The_readme_main_job_converts_the_sample_and_a_vm_boots_every_output()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        var match = MainJob().Match(readme);
        Assert.That(match.Success, Is.True, "the README names the main job as `dotnet run --project src/V2V.Cli -c Release -- run pipeline.yaml`");
        string pipeline = match.Groups[2].Value;

        // The command, run with the already built CLI on a copy of what a fresh clone holds.
        using var folder = new TempFolder();
        File.Copy(Path.Combine(RepositoryPaths.Root, pipeline), folder.File(pipeline));
        CopyFolder(Path.Combine(RepositoryPaths.Root, "samples"), folder.File("samples"));
        var result = CliRunner.RunProcessIn(folder.Path, "run", pipeline);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr + result.StdOut);

        foreach (var (file, format) in new[] { ("out/tiny-boot.vhdx", "vhdx"), ("out/tiny-boot.vmdk", "vmdk") })
        {
            Assert.That(Boot(folder, folder.File(file), format), Does.Contain("V2V-BOOT-OK"), $"{file} did not boot");
        }
    }

    [Test]
    public void The_sample_boots_as_it_is_so_the_boot_test_can_fail()
    {
        using var folder = new TempFolder();
        Assert.That(Boot(folder, Path.Combine(RepositoryPaths.Root, "samples", "tiny-boot", "tiny-boot.img"), "raw"), Does.Contain("V2V-BOOT-OK"));
        string blank = SparseImage.Create(folder.File("blank.raw"), 4 * 1024 * 1024, []);
        Assert.That(Boot(folder, blank, "raw", seconds: 5), Does.Not.Contain("V2V-BOOT-OK"));
    }

    private static string Boot(TempFolder folder, string image, string format, int seconds = 30)
    {
        string serial = folder.File($"serial-{Guid.NewGuid():N}.log");
        ExternalTool.Require("qemu-system-x86_64");
        ExternalTool.Run("timeout", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "qemu-system-x86_64", "-display", "none", "-no-reboot", "-net", "none", "-boot", "c",
            "-snapshot", "-drive", $"file={image},format={format},if=ide", "-serial", $"file:{serial}", "-monitor", "none");
        return File.Exists(serial) ? File.ReadAllText(serial) : "";
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.GetDirectories(from))
        {
            CopyFolder(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }
}
