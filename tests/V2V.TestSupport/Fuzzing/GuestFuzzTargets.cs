using System.Buffers.Binary;
using System.Text;

namespace V2V.TestSupport.Fuzzing;

/// <summary>
/// The guest parsers (src/V2V.Guest) as fuzz targets: MBR/GPT partition tables, NTFS metadata,
/// regf hives, and the Windows files inspection and the fixups read (SYSTEM, SOFTWARE, boot.ini,
/// BCD). A guest disk is megabytes of mostly file data, so the mutated input is not the image but
/// its structures, cut out of a small base image made at test time (<see cref="GuestRegions"/>)
/// and put back into it by the packer: the first sectors of the disk, the NTFS boot sector, every
/// MFT record in use, every index block and restart page, or a file's data. The Windows guest
/// (made by <see cref="WindowsGuestFixture"/>, 7 MiB) has no compressed file, stream or attribute
/// list: a second small volume (make-ntfs-features.sh) has them. The "-fixed" variants
/// keep what guards a structure valid after mutation (NTFS update sequence arrays, GPT CRC-32s, the
/// regf base-block checksum), so mutations reach the fields behind the guard.
/// </summary>
public static class GuestFuzzTargets
{
    private const long MiB = 1024 * 1024;

    /// <summary>Every guest target and the verbs each input goes through; needs mkntfs, ntfs-3g (root), sfdisk, hivex and xz.</summary>
    public static IReadOnlyList<FuzzTarget> Create(string folder)
    {
        foreach (string tool in new[] { "sfdisk", "mkntfs", "ntfs-3g", "hivexsh", "hivexregedit", "xz" })
        {
            ExternalTool.Require(tool);
        }

        string bcdPath = Decompressed(folder, "windows/regipy/BCD.xz");
        byte[] bcd = File.ReadAllBytes(bcdPath);
        string system = SmallSystemHive(folder);
        string ntldr = Cached(Path.Combine(folder, "guest-ntldr.img"), path =>
        {
            new WindowsGuestFixture { SystemHive = system, SystemEdits = null, BootIni = BootIni, VolumeSize = 6 * MiB }.Build(folder, Path.GetFileName(path));
            WriteRestartPages(path);
        });
        string bootmgr = Cached(Path.Combine(folder, "guest-bootmgr.img"), path =>
            new WindowsGuestFixture { SystemHive = system, SystemEdits = null, BootIni = null, Bcd = bcd, PeMachine = 0x8664, VolumeSize = 6 * MiB }.Build(folder, Path.GetFileName(path)));
        string partitioned = Cached(Path.Combine(folder, "guest-partitioned.img"), path => Partitioned(ntldr, path));
        byte[] gpt = PartitionTableHead(folder, new FileInfo(partitioned).Length, "label: gpt\n2048,,EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\n");

        var ntldrImage = File.ReadAllBytes(ntldr);
        var bootmgrImage = File.ReadAllBytes(bootmgr);
        var ntfs = GuestRegions.NtfsMetadata(ntldrImage, WindowsGuestFixture.PartitionOffset);
        var ntldrFiles = GuestRegions.FileData(ntldrImage, [File.ReadAllBytes(system), Encoding.ASCII.GetBytes(BootIni.Replace("\n", "\r\n", StringComparison.Ordinal))]);
        var bootmgrFiles = GuestRegions.FileData(bootmgrImage, [File.ReadAllBytes(system), bcd]);
        var disk = File.ReadAllBytes(partitioned);
        var head = new GuestRegions(disk, [(0, GuestRegions.PartitionHeadBytes)]);

        IReadOnlyList<FuzzVerb> volumeVerbs =
        [
            FuzzVerb.Inspect, FuzzVerb.Guest("ls", @"\WINDOWS\system32"), FuzzVerb.Guest("cat", @"\boot.ini"),
            FuzzVerb.Guest("reg", @"\WINDOWS\system32\config\system", "Select"), FuzzVerb.ConvertWithFixups,
        ];
        IReadOnlyList<FuzzVerb> guestVerbs = [FuzzVerb.Inspect, FuzzVerb.ConvertWithFixups];
        IReadOnlyList<FuzzVerb> hiveVerbs = [FuzzVerb.Guest("reg")];
        byte[][] hives =
        [
            File.ReadAllBytes(system), bcd, File.ReadAllBytes(RepositoryPaths.Sample("windows/hivex/minimal")), File.ReadAllBytes(RepositoryPaths.Sample("windows/hivex/special")),
            File.ReadAllBytes(Decompressed(folder, "windows/regipy/corrupted_system_hive.xz"))[..0x1A000], // damaged at its hbin at 0x19000
        ];
        string features = Cached(Path.Combine(folder, "features.img"), path =>
        {
            ExternalTool.Ok("bash", Path.Combine(RepositoryPaths.Root, "tests", "V2V.TestSupport", "Fuzzing", "make-ntfs-features.sh"), folder);
            Directory.Delete(Path.Combine(folder, "mnt"));
        });
        var featuresImage = File.ReadAllBytes(features);
        var featuresNtfs = GuestRegions.NtfsMetadata(featuresImage, 0);
        IReadOnlyList<FuzzVerb> featureVerbs =
        [
            FuzzVerb.Guest("ls", @"\many"), FuzzVerb.Guest("cat", @"\comp\text.txt"), FuzzVerb.Guest("cat", @"\ads.txt:stream_number_33"), FuzzVerb.Guest("ls", @"\"),
        ];

        // A dirty SYSTEM hive (12 MiB) beside its first Windows 8.1+ log cut after four HvLE entries (204 KiB).
        var dirty = new Dictionary<string, byte[]> { ["SYSTEM"] = File.ReadAllBytes(Decompressed(folder, "windows/regipy/SYSTEM_B.xz")) };
        byte[] log = File.ReadAllBytes(Decompressed(folder, "windows/regipy/SYSTEM_B.LOG1.xz"))[..0x33000];
        IReadOnlyList<FuzzVerb> replayVerbs = [new((file, _) => ["guest", "reg", Path.Combine(Path.GetDirectoryName(file)!, "SYSTEM"), "Select"])];
        return
        [
            new("guest-hive-log", "SYSTEM.LOG1", [log], replayVerbs, Beside: dirty, Strict: true),
            new("guest-hive-log-fixed", "SYSTEM.LOG1", [log], replayVerbs, Beside: dirty, Packer: HiveLogChecksums.Fix, Strict: true),
            new("guest-partitions", "disk.img", [head.Cut(disk), gpt], [FuzzVerb.Inspect, FuzzVerb.Guest("ls")], Packer: input => head.Pack(input), Strict: true),
            new("guest-partitions-fixed", "disk.img", [head.Cut(disk), gpt], [FuzzVerb.Inspect, FuzzVerb.Guest("ls")], Packer: input => head.Pack(GuestChecksums.FixGpt(input)), Strict: true),
            new("guest-ntfs", "disk.img", [ntfs.Cut(ntldrImage)], volumeVerbs, Packer: input => ntfs.Pack(input), Strict: true),
            new("guest-ntfs-fixed", "disk.img", [ntfs.CutUnprotected(ntldrImage)], volumeVerbs, Packer: input => ntfs.PackProtected(input), Strict: true),
            new("guest-ntfs-features", "volume.img", [featuresNtfs.Cut(featuresImage)], featureVerbs, Packer: input => featuresNtfs.Pack(input), Strict: true),
            new("guest-ntfs-features-fixed", "volume.img", [featuresNtfs.CutUnprotected(featuresImage)], featureVerbs, Packer: input => featuresNtfs.PackProtected(input), Strict: true),
            new("guest-hive", "hive", hives, hiveVerbs, Strict: true),
            new("guest-hive-fixed", "hive", hives, hiveVerbs, Packer: GuestChecksums.FixRegf, Strict: true),
            new("guest-windows-ntldr", "disk.img", [ntldrFiles.Cut(ntldrImage)], guestVerbs, Packer: input => ntldrFiles.Pack(input, GuestChecksums.FixRegf), Strict: true),
            new("guest-windows-bootmgr", "disk.img", [bootmgrFiles.Cut(bootmgrImage)], guestVerbs, Packer: input => bootmgrFiles.Pack(input, GuestChecksums.FixRegf), Strict: true),
        ];
    }

    /// <summary>
    /// A SYSTEM hive of a few KiB with every key inspection and the fixups read (hivex's minimal
    /// hive grown by <c>hivexregedit --merge</c>), so an image holding it stays small.
    /// </summary>
    private static string SmallSystemHive(string folder) => Cached(Path.Combine(folder, "SYSTEM.small"), path =>
    {
        File.Copy(RepositoryPaths.Sample("windows/hivex/minimal"), path);
        File.SetAttributes(path, FileAttributes.Normal);
        string reg = path + ".reg";
        File.WriteAllText(reg, SystemReg.Replace("\n", "\r\n", StringComparison.Ordinal), Encoding.ASCII);
        ExternalTool.Ok("hivexregedit", "--merge", "--prefix", @"HKEY_LOCAL_MACHINE\SYSTEM", path, reg);
        File.Delete(reg);
    });

    /// <summary>The ntldr guest's volume (partition 2) behind an MBR whose extended partition 1 has two logicals, their EBRs in the first 100 KiB.</summary>
    private static void Partitioned(string ntldr, string path)
    {
        File.Copy(ntldr, path);
        ExternalTool.Ok("sh", "-c", $"printf 'label: dos\\nlabel-id: 0x{WindowsGuestFixture.DiskSignature:x8}\\nstart=40,size=2000,type=5\\nstart=42,size=100,type=83\\nstart=200,size=100,type=7\\n2048,{(new FileInfo(path).Length - WindowsGuestFixture.PartitionOffset) / 512},7,*\\n' | sfdisk -q --wipe never '{path}'");
    }

    /// <summary>
    /// mkntfs leaves $LogFile all 0xFF (inspection says "empty"): its first two pages become clean
    /// restart pages (NTFS 1.1 layout: RSTR header, update sequence at 0x1E, restart area at 0x30 with
    /// no client in use), so the restart-page reader is fuzzed too. $LogFile is the first 4 KiB page
    /// of the volume that is all 0xFF.
    /// </summary>
    private static void WriteRestartPages(string path)
    {
        var image = File.ReadAllBytes(path);
        long at = WindowsGuestFixture.PartitionOffset;
        while (at + 8192 <= image.Length && image.AsSpan((int)at, 8192).ContainsAnyExcept((byte)0xFF))
        {
            at += 4096;
        }

        Assert.That(at + 8192, Is.LessThanOrEqualTo(image.Length), "mkntfs's empty $LogFile (0xFF pages) not found");
        var page = new byte[4096];
        "RSTR"u8.CopyTo(page);
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(4), 0x1E);
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(6), 9);
        BinaryPrimitives.WriteInt32LittleEndian(page.AsSpan(16), 4096); // system page size
        BinaryPrimitives.WriteInt32LittleEndian(page.AsSpan(20), 4096); // log page size
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(24), 0x30); // restart area offset
        BinaryPrimitives.WriteInt16LittleEndian(page.AsSpan(26), 1); // minor
        BinaryPrimitives.WriteInt16LittleEndian(page.AsSpan(28), 1); // major
        BinaryPrimitives.WriteUInt64LittleEndian(page.AsSpan(0x30), 0x1234); // current LSN
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(0x38), 1); // log clients
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(0x3A), 0xFFFF); // client free list
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(0x3C), 0xFFFF); // client in-use list: none
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(0x1E), 1); // update sequence number
        GuestRegions.Protect(page);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
        file.Position = at;
        file.Write(page);
        file.Write(page);
    }

    /// <summary>The first <see cref="GuestRegions.PartitionHeadBytes"/> of a disk sfdisk partitions with <paramref name="script"/>.</summary>
    private static byte[] PartitionTableHead(string folder, long size, string script)
    {
        string path = Path.Combine(folder, "gpt-head.img");
        using (var file = File.Create(path))
        {
            file.SetLength(size);
        }

        File.WriteAllText(path + ".sfdisk", script);
        ExternalTool.Ok("sh", "-c", $"sfdisk -q '{path}' < '{path}.sfdisk'");
        return File.ReadAllBytes(path)[..GuestRegions.PartitionHeadBytes];
    }

    private static string Decompressed(string folder, string sample)
    {
        string path = Path.Combine(folder, Path.GetFileNameWithoutExtension(sample));
        return Cached(path, target => ExternalTool.Ok("sh", "-c", $"xz -dc '{RepositoryPaths.Sample(sample)}' > '{target}'"));
    }

    /// <summary>Makes <paramref name="path"/> once (the AFL harness reuses what its uninstrumented "seeds" run made).</summary>
    private static string Cached(string path, Action<string> make)
    {
        if (!File.Exists(path))
        {
            make(path);
        }

        return path;
    }

    /// <summary>Disk2vhd's boot.ini with more entries: over 1 KiB, so its data is non-resident and found at a cluster.</summary>
    private static readonly string BootIni = WindowsGuestFixture.Disk2vhdBootIni + string.Concat(Enumerable.Range(1, 12).Select(i =>
        $"multi(0)disk(0)rdisk({i % 4})partition({i})\\WINDOWS=\"Windows Server 2003, Standard (entry {i})\" /noexecute=optout /fastdetect /sos\n")) + "C:\\CMDCONS\\BOOTSECT.DAT=\"Microsoft Windows Recovery Console\" /cmdcons\n";

    private const string SystemReg = """
        Windows Registry Editor Version 5.00

        [HKEY_LOCAL_MACHINE\SYSTEM\Select]
        "Current"=dword:00000001
        "Default"=dword:00000001
        "LastKnownGood"=dword:00000002
        "Failed"=dword:00000000

        [HKEY_LOCAL_MACHINE\SYSTEM\MountedDevices]
        "\\DosDevices\\C:"=hex:3e,a0,be,5c,00,00,10,00,00,00,00,00

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001]

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control]

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\ComputerName]

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Session Manager]

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Class]

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Enum]

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Enum\Root]

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Enum\Root\ACPI_HAL]

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services]

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\ProductOptions]
        "ProductType"="ServerNT"

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\ComputerName\ComputerName]
        "ComputerName"="FUZZ-GUEST"

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Session Manager\Environment]
        "PROCESSOR_ARCHITECTURE"="x86"

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\CrashControl]
        "AutoReboot"=dword:00000001

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Class\{4D36E96A-E325-11CE-BFC1-08002BE10318}]
        "UpperFilters"=hex(7):76,00,6d,00,73,00,63,00,73,00,69,00,00,00,00,00

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Enum\Root\ACPI_HAL\0000]
        "HardwareID"=hex(7):61,00,63,00,70,00,69,00,61,00,70,00,69,00,63,00,00,00,00,00

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\intelide]
        "Start"=dword:00000003
        "Type"=dword:00000001
        "Group"="System Bus Extender"

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\atapi]
        "Start"=dword:00000003
        "Type"=dword:00000001

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\pciide]
        "Start"=dword:00000003

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\vmbus]
        "Start"=dword:00000003

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\storvsc]
        "Start"=dword:00000003
        "StartOverride"=dword:00000004

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\LSI_SAS]
        "Start"=dword:00000000
        "Type"=dword:00000001
        "Group"="SCSI miniport"

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\LSI_SAS\Enum]
        "0"="PCI\\VEN_1000&DEV_0054&SUBSYS_197615AD&REV_01\\4&1a2b3c4d&0&00A8"
        "Count"=dword:00000001

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\VMTools]
        "Start"=dword:00000002
        "ImagePath"="C:\\Program Files\\VMware\\VMware Tools\\vmtoolsd.exe"

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\vmscsi]
        "Start"=dword:00000000

        """;
}
