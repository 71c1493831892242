using System.Security.Cryptography;
using V2V.Adapters.Physical;
using V2V.Guest.Ntfs;
using V2V.Guest.Partitions;
using V2V.TestSupport;

namespace V2V.Guest.Tests.Ntfs;

/// <summary>The bare NTFS volume written by Windows (shared/samples/windows/dfvfs, see its MANIFEST).</summary>
[TestFixture]
public sealed class WindowsVolumeTests
{
    private TempFolder _folder = null!;
    private RawDiskSource _disk = null!;

    [OneTimeSetUp]
    public void ConvertSample()
    {
        _folder = new TempFolder();
        QemuImg.Convert(RepositoryPaths.Sample("windows/dfvfs/windows_volume.qcow2"), "qcow2", _folder.File("volume.raw"), "raw");
        _disk = RawDiskSource.Open(_folder.File("volume.raw"));
    }

    [OneTimeTearDown]
    public void Remove()
    {
        _disk?.Dispose();
        _folder?.Dispose();
    }

    [Test]
    public void the_volume_without_a_partition_table_is_one_ntfs_volume()
    {
        var layout = PartitionTable.Read(_disk);
        Assert.That(layout.Scheme, Is.EqualTo(PartitionScheme.None));
        Assert.That(layout.Volumes.Single(), Is.EqualTo(new DiskVolume(1, 0, 35913728, FileSystemKind.Ntfs, "whole disk")));
    }

    [Test]
    public void the_syslog_file_has_the_digest_the_manifest_gives()
    {
        var volume = NtfsVolume.Open(_disk, 0, _disk.Capacity);
        var bytes = volume.ReadAllBytes(@"\Windows\System32\config\syslog");
        Assert.That(bytes, Has.Length.EqualTo(1247));
        Assert.That(Convert.ToHexStringLower(SHA256.HashData(bytes)), Is.EqualTo("0420b023f8dc1b71ff25191ce4ce88d10028f99f99f7c21532611f4c273aeae9"));
        Assert.That(volume.ReadAllBytes(@"windows\SYSTEM32\Config\SYSLOG"), Is.EqualTo(bytes));
    }

    [Test]
    public void the_volume_reports_what_ntfsinfo_reports()
    {
        var volume = NtfsVolume.Open(_disk, 0, _disk.Capacity);
        string info = ExternalTool.Ok("ntfsinfo", "-m", _folder.File("volume.raw"));
        Assert.That(info, Does.Contain($"Volume Version: {volume.Information.MajorVersion}.{volume.Information.MinorVersion}"));
        Assert.That(info, Does.Contain($"Volume Flags: 0x{(int)volume.VolumeFlags:x4}"));
        Assert.That(info, Does.Contain($"Cluster Size: {volume.BootSector.ClusterSize}"));
        Assert.That(volume.ListDirectory(@"\Windows\System32\config").Select(e => e.Name), Does.Contain("syslog"));
    }
}
