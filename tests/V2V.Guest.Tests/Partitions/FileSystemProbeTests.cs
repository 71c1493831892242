using System.Text;
using V2V.Adapters.Physical;
using V2V.Guest.Partitions;
using V2V.TestSupport;

namespace V2V.Guest.Tests.Partitions;

/// <summary>
/// File systems made by their own mkfs tools, each on a whole "disk" (no partition table): one
/// volume of the kind blkid (util-linux) names.
/// </summary>
public sealed class FileSystemProbeTests
{
    [TestCase(FileSystemKind.Ntfs, 8, "mkntfs", "mkntfs -F -Q -q {0}", "ntfs")]
    [TestCase(FileSystemKind.Fat12, 1, "mkfs.vfat", "mkfs.vfat -F 12 {0}", "vfat FAT12")]
    [TestCase(FileSystemKind.Fat16, 32, "mkfs.vfat", "mkfs.vfat -F 16 {0}", "vfat FAT16")]
    [TestCase(FileSystemKind.Fat32, 64, "mkfs.vfat", "mkfs.vfat -F 32 {0}", "vfat FAT32")]
    [TestCase(FileSystemKind.ExFat, 8, "mkfs.exfat", "mkfs.exfat {0}", "exfat")]
    [TestCase(FileSystemKind.Ext2, 8, "mkfs.ext2", "mkfs.ext2 -q -F {0}", "ext2")]
    [TestCase(FileSystemKind.Ext3, 8, "mkfs.ext3", "mkfs.ext3 -q -F {0}", "ext3")]
    [TestCase(FileSystemKind.Ext4, 8, "mkfs.ext4", "mkfs.ext4 -q -F {0}", "ext4")]
    [TestCase(FileSystemKind.Xfs, 300, "mkfs.xfs", "mkfs.xfs -q {0}", "xfs")]
    [TestCase(FileSystemKind.Btrfs, 128, "mkfs.btrfs", "mkfs.btrfs -q {0}", "btrfs")]
    [TestCase(FileSystemKind.LinuxSwap, 8, "mkswap", "mkswap {0}", "swap")]
    [TestCase(FileSystemKind.Luks, 8, "cryptsetup", "cryptsetup luksFormat --batch-mode --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 {0} <(printf pw)", "crypto_LUKS")]
    [TestCase(FileSystemKind.LvmPhysicalVolume, 8, "pvcreate", "L=$(losetup -f --show {0}) && pvcreate -q $L; s=$?; losetup -d $L; exit $s", "LVM2_member")]
    public void a_whole_disk_file_system_is_one_volume_of_the_kind_blkid_names(FileSystemKind kind, int mebibytes, string tool, string make, string blkid)
    {
        ExternalTool.Require("blkid");
        ExternalTool.Require(tool);
        using var folder = new TempFolder();
        string image = folder.File("fs.img");
        ExternalTool.Ok("truncate", "-s", $"{mebibytes}M", image);
        ExternalTool.Ok("bash", "-c", string.Format(System.Globalization.CultureInfo.InvariantCulture, make, $"'{image}'") + " >/dev/null 2>&1");
        var type = ExternalTool.Ok("blkid", "-p", "-o", "value", "-s", "TYPE", "-s", "VERSION", image).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(type, Is.SupersetOf(blkid.Split(' ')));

        using var disk = RawDiskSource.Open(image);
        var layout = PartitionTable.Read(disk);
        Assert.That(layout.Scheme, Is.EqualTo(PartitionScheme.None));
        Assert.That(layout.Volumes.Single().FileSystem, Is.EqualTo(kind));
        Assert.That(layout.Volumes.Single().Length, Is.EqualTo(new FileInfo(image).Length));
    }

    /// <summary>No mkfs for these here: boot sectors with the signatures their specs give ([MS-FVE] "-FVE-FS-"; ReFS "ReFS" + "FSRS").</summary>
    [TestCase("-FVE-FS-", FileSystemKind.BitLocker)]
    [TestCase("ReFS\0\0\0\0", FileSystemKind.ReFS)]
    public void boot_sector_signatures_name_bitlocker_and_refs(string oem, FileSystemKind kind)
    {
        var head = new byte[4096];
        head[0] = 0xEB;
        head[1] = 0x58;
        head[2] = 0x90;
        Encoding.ASCII.GetBytes(oem).CopyTo(head, 3);
        head[510] = 0x55;
        head[511] = 0xAA;
        Assert.That(FileSystemProbe.Probe(head), Is.EqualTo(kind));
    }

    [Test]
    public void a_blank_disk_has_no_volumes()
    {
        var layout = PartitionTable.Read(new ByteArrayDisk(new byte[1 << 20]));
        Assert.That(layout.Scheme, Is.EqualTo(PartitionScheme.None));
        Assert.That(layout.Volumes, Is.Empty);
        Assert.That(layout.HasBootSignature, Is.False);
    }
}
