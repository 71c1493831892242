using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;

namespace V2V.TestSupport;

/// <summary>
/// Builds a whole-guest test disk: a raw MBR disk (signature 5CBEA03E, so the real hive's
/// MountedDevices C: names its first partition at 1 MiB) with one active NTFS partition made by
/// mkntfs and filled through an ntfs-3g FUSE mount (root), holding Windows\System32\config\SYSTEM
/// (the real Windows 7 32-bit SYSTEM hive of shared/samples, edited with <c>hivexregedit --merge</c>
/// by <see cref="SystemEdits"/>), a SOFTWARE hive made with <c>hivexsh</c> from hivex's minimal
/// hive, a tiny valid PE <c>cmd.exe</c>, hal.dll and ntoskrnl.exe, <c>System32\drivers\*.sys</c>
/// placeholders and <c>boot.ini</c>. Tools: xz, hivexregedit, hivexsh, mkntfs, ntfs-3g, sfdisk.
/// </summary>
public sealed class WindowsGuestFixture
{
    /// <summary>The MBR signature MountedDevices of the sample hive names for C:.</summary>
    public const uint DiskSignature = 0x5CBEA03E;

    /// <summary>Byte offset of the NTFS partition (LBA 2048), where the hive's C: lives.</summary>
    public const long PartitionOffset = 1L << 20;

    /// <summary>
    /// The edit that makes the Windows 7 hive look like a Server 2003 booting from a RAID driver:
    /// intelide and atapi on demand (Start 3), the PIIX4 Critical Device Database entry removed, a
    /// boot-start megasas service bound to a device, ProductType ServerNT, a uniprocessor ACPI APIC HAL.
    /// </summary>
    public const string RaidServer2003Edits = """
        Windows Registry Editor Version 5.00

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\intelide]
        "Start"=dword:00000003

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\atapi]
        "Start"=dword:00000003

        [-HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\CriticalDeviceDatabase\PCI#VEN_8086&DEV_7111]

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\ProductOptions]
        "ProductType"="ServerNT"

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Enum\Root\ACPI_HAL\0000]
        "HardwareID"=hex(7):61,00,63,00,70,00,69,00,61,00,70,00,69,00,63,00,5f,00,75,00,70,00,00,00,00,00

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\LSI_SAS]
        "Start"=dword:00000003

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\megasas]
        "Type"=dword:00000001
        "Start"=dword:00000000
        "ErrorControl"=dword:00000001
        "Group"="SCSI miniport"
        "ImagePath"=hex(2):73,00,79,00,73,00,74,00,65,00,6d,00,33,00,32,00,5c,00,44,00,52,00,49,00,56,00,45,00,52,00,53,00,5c,00,6d,00,65,00,67,00,61,00,73,00,61,00,73,00,2e,00,73,00,79,00,73,00,00,00

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\megasas\Enum]
        "0"="PCI\\VEN_1000&DEV_0060&SUBSYS_1F0A1028&REV_04\\4&1a2b3c4d&0&0020"
        "Count"=dword:00000001
        "NextInstance"=dword:00000001

        """;

    /// <summary>A boot.ini as Windows Server 2003 setup writes it.</summary>
    public const string PlainBootIni = """
        [boot loader]
        timeout=30
        default=multi(0)disk(0)rdisk(0)partition(1)\WINDOWS
        [operating systems]
        multi(0)disk(0)rdisk(0)partition(1)\WINDOWS="Windows Server 2003, Standard" /noexecute=optout /fastdetect

        """;

    /// <summary>boot.ini after Disk2vhd's "Prepare for use in Virtual PC": a default entry forcing the ACPI PIC HAL and a PAE kernel.</summary>
    public const string Disk2vhdBootIni = """
        [boot loader]
        timeout=30
        default=multi(0)disk(0)rdisk(0)partition(1)\WINDOWS
        [operating systems]
        multi(0)disk(0)rdisk(0)partition(1)\WINDOWS="Windows Server 2003, Standard (Virtual PC)" /noexecute=optout /fastdetect /KERNEL=ntkrnlpa.exe /HAL=halacpi.dll
        multi(0)disk(0)rdisk(0)partition(1)\WINDOWS="Windows Server 2003, Standard" /noexecute=optout /fastdetect

        """;

    /// <summary>SOFTWARE\Microsoft\Windows NT\CurrentVersion of a Server 2003 SP2, as hivexsh setval lines.</summary>
    public static readonly IReadOnlyList<(string Name, string Value)> Server2003Version =
    [
        ("ProductName", "string:Microsoft Windows Server 2003"),
        ("CurrentVersion", "string:5.2"),
        ("CurrentBuildNumber", "string:3790"),
        ("CSDVersion", "string:Service Pack 2"),
        ("SystemRoot", @"string:C:\WINDOWS"),
        ("PathName", @"string:C:\WINDOWS"),
    ];

    /// <summary>A SYSTEM hive file to use instead of the Windows 7 sample (e.g. a damaged one).</summary>
    public string? SystemHive { get; init; }

    /// <summary>The .reg merged into the SYSTEM hive; null keeps the Windows 7 hive as it is.</summary>
    public string? SystemEdits { get; init; } = RaidServer2003Edits;

    /// <summary>boot.ini at the volume's root; null writes none.</summary>
    public string? BootIni { get; init; } = PlainBootIni;

    /// <summary>Values of SOFTWARE's CurrentVersion key.</summary>
    public IReadOnlyList<(string Name, string Value)> Version { get; init; } = Server2003Version;

    /// <summary>The PE machine of cmd.exe and ntoskrnl.exe (0x14C x86, 0x8664 x64).</summary>
    public ushort PeMachine { get; init; } = 0x014C;

    /// <summary>Files under System32\drivers (placeholders).</summary>
    public IReadOnlyList<string> Drivers { get; init; } = ["atapi.sys", "intelide.sys", "pciide.sys", "pciidex.sys", "megasas.sys", "vmbus.sys", "storvsc.sys", "disk.sys"];

    /// <summary>hiberfil.sys content at the root; null writes none.</summary>
    public byte[]? Hiberfil { get; init; }

    /// <summary>\Boot\BCD (a BCD store hive) with a bootmgr placeholder at the root; null writes none.</summary>
    public byte[]? Bcd { get; init; }

    /// <summary>Size of the NTFS volume (the disk is 1 MiB larger).</summary>
    public long VolumeSize { get; init; } = 32L << 20;

    /// <summary>Builds the disk as <paramref name="folder"/>/NAME and returns its path (about 24 MiB, sparse).</summary>
    public string Build(string folder, string name = "windows.img")
    {
        foreach (string tool in new[] { "xz", "hivexregedit", "hivexsh", "mkntfs", "ntfs-3g", "sfdisk" })
        {
            ExternalTool.Require(tool);
        }

        string work = Directory.CreateDirectory(Path.Combine(folder, name + ".parts")).FullName;
        string system = Path.Combine(work, "SYSTEM");
        if (SystemHive is not null)
        {
            File.Copy(SystemHive, system);
        }
        else
        {
            using var output = File.Create(system);
            var xz = Process.Start(new ProcessStartInfo("xz", ["-dc", RepositoryPaths.Sample("windows/regipy/SYSTEM.xz")]) { RedirectStandardOutput = true })!;
            xz.StandardOutput.BaseStream.CopyTo(output);
            xz.WaitForExit();
            Assert.That(xz.ExitCode, Is.EqualTo(0), "xz -dc SYSTEM.xz");
        }

        if (SystemEdits is not null)
        {
            string reg = Path.Combine(work, "edits.reg");
            File.WriteAllText(reg, SystemEdits.Replace("\n", "\r\n", StringComparison.Ordinal), Encoding.ASCII);
            ExternalTool.Ok("hivexregedit", "--merge", "--prefix", @"HKEY_LOCAL_MACHINE\SYSTEM", system, reg);
        }

        string software = Path.Combine(work, "SOFTWARE");
        File.Copy(RepositoryPaths.Sample("windows/hivex/minimal"), software);
        File.SetAttributes(software, FileAttributes.Normal);
        var script = new StringBuilder("add Microsoft\ncd Microsoft\nadd Windows NT\ncd Windows NT\nadd CurrentVersion\ncd CurrentVersion\n");
        script.Append(System.Globalization.CultureInfo.InvariantCulture, $"setval {Version.Count}\n");
        foreach (var (valueName, value) in Version)
        {
            script.Append(valueName).Append('\n').Append(value).Append('\n');
        }

        script.Append("commit\n");
        string hivexScript = Path.Combine(work, "software.hivexsh");
        File.WriteAllText(hivexScript, script.ToString());
        ExternalTool.Ok("hivexsh", "-w", "-f", hivexScript, software);

        string volume = Path.Combine(work, "volume.img");
        using (var file = File.Create(volume))
        {
            file.SetLength(VolumeSize);
        }

        ExternalTool.Ok("mkntfs", "-F", "-Q", "-q", "-c", "4096", volume);
        string mount = Directory.CreateDirectory(Path.Combine(work, "mnt")).FullName;
        ExternalTool.Ok("ntfs-3g", volume, mount);
        try
        {
            Fill(mount, system, software);
        }
        finally
        {
            ExternalTool.Ok("umount", mount);
        }

        string disk = Path.Combine(folder, name);
        using (var file = File.Create(disk))
        {
            file.SetLength(PartitionOffset + new FileInfo(volume).Length);
        }

        ExternalTool.Ok("sh", "-c", $"printf 'label: dos\\nlabel-id: 0x{DiskSignature:x8}\\n2048,,7,*\\n' | sfdisk -q '{disk}'");
        using (var target = new FileStream(disk, FileMode.Open, FileAccess.Write))
        using (var source = File.OpenRead(volume))
        {
            target.Position = PartitionOffset;
            source.CopyTo(target);
        }

        Directory.Delete(work, recursive: true);
        return disk;
    }

    private void Fill(string mount, string system, string software)
    {
        string system32 = Directory.CreateDirectory(Path.Combine(mount, "WINDOWS", "system32")).FullName;
        string config = Directory.CreateDirectory(Path.Combine(system32, "config")).FullName;
        File.Copy(system, Path.Combine(config, "system"));
        File.Copy(software, Path.Combine(config, "software"));
        File.WriteAllBytes(Path.Combine(system32, "cmd.exe"), TinyPe(PeMachine));
        File.WriteAllBytes(Path.Combine(system32, "ntoskrnl.exe"), TinyPe(PeMachine));
        File.WriteAllText(Path.Combine(system32, "hal.dll"), "placeholder hal.dll");
        string drivers = Directory.CreateDirectory(Path.Combine(system32, "drivers")).FullName;
        foreach (string driver in Drivers)
        {
            File.WriteAllText(Path.Combine(drivers, driver), "placeholder " + driver);
        }

        if (BootIni is not null)
        {
            File.WriteAllText(Path.Combine(mount, "boot.ini"), BootIni.Replace("\n", "\r\n", StringComparison.Ordinal), Encoding.ASCII);
            File.WriteAllText(Path.Combine(mount, "ntldr"), "placeholder ntldr");
        }

        if (Bcd is not null)
        {
            File.WriteAllBytes(Path.Combine(Directory.CreateDirectory(Path.Combine(mount, "Boot")).FullName, "BCD"), Bcd);
            File.WriteAllText(Path.Combine(mount, "bootmgr"), "placeholder bootmgr");
        }

        if (Hiberfil is not null)
        {
            File.WriteAllBytes(Path.Combine(mount, "hiberfil.sys"), Hiberfil);
        }
    }

    /// <summary>
    /// The smallest PE image <c>file(1)</c> and libguestfs recognise: DOS header with e_lfanew 0x40,
    /// "PE\0\0", a COFF header for <paramref name="machine"/> with no sections, and an optional header
    /// (PE32 for x86, PE32+ otherwise) for a console program.
    /// </summary>
    public static byte[] TinyPe(ushort machine)
    {
        bool pe32Plus = machine != 0x014C;
        var image = new byte[1024];
        image[0] = (byte)'M';
        image[1] = (byte)'Z';
        BinaryPrimitives.WriteInt32LittleEndian(image.AsSpan(0x3C), 0x40);
        "PE\0\0"u8.CopyTo(image.AsSpan(0x40));
        var coff = image.AsSpan(0x44);
        BinaryPrimitives.WriteUInt16LittleEndian(coff, machine);
        BinaryPrimitives.WriteUInt16LittleEndian(coff[16..], (ushort)(pe32Plus ? 0xF0 : 0xE0)); // SizeOfOptionalHeader
        BinaryPrimitives.WriteUInt16LittleEndian(coff[18..], (ushort)(pe32Plus ? 0x0022 : 0x0102)); // executable, large-address-aware / 32-bit
        var optional = image.AsSpan(0x58);
        BinaryPrimitives.WriteUInt16LittleEndian(optional, (ushort)(pe32Plus ? 0x20B : 0x10B));
        BinaryPrimitives.WriteUInt32LittleEndian(optional[32..], 0x1000); // SectionAlignment
        BinaryPrimitives.WriteUInt32LittleEndian(optional[36..], 0x200); // FileAlignment
        BinaryPrimitives.WriteUInt16LittleEndian(optional[40..], 5); // MajorOperatingSystemVersion
        BinaryPrimitives.WriteUInt16LittleEndian(optional[48..], 5); // MajorSubsystemVersion
        BinaryPrimitives.WriteUInt32LittleEndian(optional[56..], 0x1000); // SizeOfImage
        BinaryPrimitives.WriteUInt32LittleEndian(optional[60..], 0x400); // SizeOfHeaders
        BinaryPrimitives.WriteUInt16LittleEndian(optional[68..], 3); // Subsystem: Windows console
        return image;
    }
}
