using V2V.Adapters.Physical;
using V2V.Guest.Partitions;
using V2V.Guest.Windows;
using V2V.TestSupport;

namespace V2V.Guest.Tests.Registry;

/// <summary>
/// <c>v2v guest reg IMAGE HIVE-PATH [KEY]</c> and the default volume of <c>guest ls/cat/reg</c>, on
/// an MBR disk built by make-guest-disk.sh (volume 1: NTFS without Windows; volume 2: NTFS with a
/// dirty SYSTEM hive, its logs and a clean SOFTWARE hive): the output equals <c>guest reg</c> of the
/// same hive files on the host, which RegFileExportTests checks against hivexregedit.
/// </summary>
[TestFixture]
public sealed class GuestRegOnDiskTests
{
    private const string Control = @"ControlSet001\Control";
    private TempFolder _folder = null!;
    private string _disk = null!;
    private string _hives = null!;

    [OneTimeSetUp]
    public void Build()
    {
        foreach (var tool in new[] { "mkntfs", "ntfs-3g", "sfdisk" })
        {
            ExternalTool.Require(tool);
        }

        _folder = new TempFolder();
        _hives = Directory.CreateDirectory(_folder.File("hives")).FullName;
        string system = HiveSamples.CopyTo("regipy/SYSTEM_B.xz", _hives, "SYSTEM");
        string log1 = HiveSamples.CopyTo("regipy/SYSTEM_B.LOG1.xz", _hives, "SYSTEM.LOG1");
        string log2 = HiveSamples.CopyTo("regipy/SYSTEM_B.LOG2.xz", _hives, "SYSTEM.LOG2");
        string software = HiveSamples.CopyTo("hivex/special", _hives, "SOFTWARE");
        ExternalTool.Ok("bash", Path.Combine(RepositoryPaths.Root, "tests", "V2V.Guest.Tests", "Registry", "make-guest-disk.sh"), _folder.Path, system, log1, log2, software);
        _disk = _folder.File("disk.img");
    }

    [OneTimeTearDown]
    public void Remove() => _folder?.Dispose();

    [Test]
    public void the_windows_system_volume_is_the_second_ntfs_volume_that_holds_the_system_hive()
    {
        using var disk = RawDiskSource.Open(_disk);
        var layout = PartitionTable.Read(disk);
        Assert.That(layout.Volumes.Select(v => v.FileSystem), Is.EqualTo(new[] { FileSystemKind.Ntfs, FileSystemKind.Ntfs }));
        var found = WindowsSystemVolume.Find(disk, layout);
        Assert.That(found?.Volume.Number, Is.EqualTo(2));
        Assert.That(found?.Ntfs.Offset, Is.EqualTo(17L << 20));
    }

    [Test]
    public void a_dirty_hive_in_the_guest_is_replayed_from_its_logs_and_exported_as_from_the_host_files()
    {
        var onHost = CliRunner.Run("guest", "reg", Path.Combine(_hives, "SYSTEM"), Control);
        Assert.That(onHost.ExitCode, Is.EqualTo(0), onHost.StdErr);
        var inGuest = CliRunner.Run("guest", "reg", _disk, @"\Windows\System32\config\SYSTEM", Control);
        Assert.That(inGuest.ExitCode, Is.EqualTo(0), inGuest.StdErr);
        Assert.That(inGuest.StdErr, Does.StartWith("note: ").And.Contain("replayed 24 log entries").And.Contain("(volume 2)"));
        Assert.That(inGuest.StdOut, Does.StartWith(@"Windows Registry Editor Version 5.00" + "\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control]"));
        Assert.That(inGuest.StdOut, Is.EqualTo(onHost.StdOut));
    }

    [Test]
    public void a_whole_clean_hive_exports_the_same_from_a_vhdx_of_the_disk_with_the_volume_named()
    {
        string vhdx = _folder.File("disk.vhdx");
        QemuImg.Convert(_disk, "raw", vhdx, "vhdx");
        var onHost = CliRunner.Run("guest", "reg", Path.Combine(_hives, "SOFTWARE"));
        Assert.That(onHost.ExitCode, Is.EqualTo(0), onHost.StdErr);
        Assert.That(onHost.StdOut, Does.Contain(@"[HKEY_LOCAL_MACHINE\SOFTWARE\weird™]"));
        foreach (string[] arguments in new[] { new[] { vhdx }, ["--volume", "2", vhdx], [_disk] })
        {
            var inGuest = CliRunner.Run(["guest", "reg", .. arguments, "/windows/system32/CONFIG/software"]);
            Assert.That(inGuest.ExitCode, Is.EqualTo(0), inGuest.StdErr);
            Assert.That(inGuest.StdOut, Is.EqualTo(onHost.StdOut), string.Join(' ', arguments));
        }
    }

    [Test]
    public void ls_and_cat_default_to_the_windows_volume_and_the_volume_option_overrides_it()
    {
        Assert.That(CliRunner.Run("guest", "cat", _disk, "marker.txt").StdOut, Is.EqualTo("windows"));
        Assert.That(CliRunner.Run("guest", "cat", "--volume", "1", _disk, "marker.txt").StdOut, Is.EqualTo("first"));
        var listed = CliRunner.Run("guest", "ls", _disk, @"\Windows\System32\config");
        Assert.That(listed.ExitCode, Is.EqualTo(0), listed.StdErr);
        Assert.That(listed.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            Is.EquivalentTo(new[] { "SYSTEM", "system.LOG1", "SYSTEM.log2", "SOFTWARE" }));
        var wrongVolume = CliRunner.Run("guest", "reg", "--volume", "1", _disk, @"\Windows\System32\config\SYSTEM");
        wrongVolume.AssertRejected(_disk, "not found");
    }

    [Test]
    public void an_image_without_a_hive_path_and_a_hive_file_with_three_arguments_are_usage_errors()
    {
        var noPath = CliRunner.Run("guest", "reg", _disk);
        Assert.That(noPath.ExitCode, Is.EqualTo(2));
        Assert.That(noPath.StdErr, Does.Contain("not a hive file"));
        var tooMany = CliRunner.Run("guest", "reg", Path.Combine(_hives, "SOFTWARE"), "a", "b");
        Assert.That(tooMany.ExitCode, Is.EqualTo(2));
        Assert.That(tooMany.StdErr, Does.Contain("is a hive file"));
    }
}
