using System.Buffers.Binary;
using V2V.Guest.Registry;

namespace V2V.Guest.Windows;

/// <summary>A BCD partition device (WINDOWS.md §5): by MBR signature and byte offset, or GPT disk and partition GUIDs.</summary>
/// <param name="Kind">"partition" (device type 6), "boot" (the boot device, type 1), or "type N" for others (ramdisks, files).</param>
public sealed record BcdDevice(string Kind)
{
    public uint? MbrSignature { get; init; }

    /// <summary>The partition's start in bytes (MBR disks).</summary>
    public long? MbrPartitionOffset { get; init; }

    public Guid? GptDiskGuid { get; init; }
    public Guid? GptPartitionGuid { get; init; }

    public override string ToString() =>
        MbrSignature is { } signature ? $"partition at byte {MbrPartitionOffset} of MBR disk {signature:X8}"
        : GptPartitionGuid is { } partition ? $"GPT partition {partition} of disk {GptDiskGuid}"
        : Kind;
}

/// <summary>The BCD store's default boot entry: description, application path, device, osdevice and system root.</summary>
/// <param name="Identifier">The entry's object GUID, e.g. "{733b62e4-f608-11eb-825c-c112f60133ab}".</param>
public sealed record BcdSummary(string Identifier)
{
    public string? Description { get; init; }

    /// <summary>12000002: winload.exe / winload.efi path.</summary>
    public string? Path { get; init; }

    /// <summary>11000001 ApplicationDevice.</summary>
    public BcdDevice? Device { get; init; }

    /// <summary>21000001 OSDevice.</summary>
    public BcdDevice? OsDevice { get; init; }

    /// <summary>22000002 SystemRoot, e.g. \Windows.</summary>
    public string? SystemRoot { get; init; }

    /// <summary>22000011 KernelPath and 22000012 HalPath: a forced kernel/HAL (boot.ini's /KERNEL, /HAL).</summary>
    public string? Kernel { get; init; }

    public string? HalPath { get; init; }

    /// <summary>26000010 DetectKernelAndHal ("Detect HAL").</summary>
    public bool? DetectHal { get; init; }
}

/// <summary>
/// Reads the default OS loader of a BCD store, a registry hive (WINDOWS.md §5):
/// <c>Objects\{9dea862c-…}</c> is the boot manager, whose element <c>23000003</c> names the default
/// entry; that entry's elements hold the device blobs and paths.
/// </summary>
public static class BcdStore
{
    /// <summary>The well-known GUID of {bootmgr}.</summary>
    public const string BootManager = "{9dea862c-5cdd-4e70-acc1-f32b344d4795}";

    /// <summary>The default entry, or null (with the reason in <paramref name="findings"/>) when the store names none.</summary>
    public static BcdSummary? ReadDefault(RegistryHive bcd, List<string> findings)
    {
        var objects = bcd.OpenKey("Objects");
        if (objects is null)
        {
            findings.Add($"{bcd.File}: no Objects key: not a BCD store");
            return null;
        }

        string? identifier = Element(objects.Subkey(BootManager), "23000003")?.AsString();
        if (identifier is null)
        {
            findings.Add($"{bcd.File}: the boot manager names no default entry (element 23000003)");
            return null;
        }

        var entry = objects.Subkey(identifier);
        if (entry is null)
        {
            findings.Add($"{bcd.File}: the default entry {identifier} does not exist");
            return null;
        }

        return new BcdSummary(identifier)
        {
            Description = Element(entry, "12000004")?.AsString(),
            Path = Element(entry, "12000002")?.AsString(),
            Device = Device(Element(entry, "11000001")),
            OsDevice = Device(Element(entry, "21000001")),
            SystemRoot = Element(entry, "22000002")?.AsString(),
            Kernel = Element(entry, "22000011")?.AsString(),
            HalPath = Element(entry, "22000012")?.AsString(),
            DetectHal = Element(entry, "26000010") is { Data.Length: >= 1 } detect ? detect.Data.Span[0] != 0 : null,
        };
    }

    private static RegistryValue? Element(RegistryKey? entry, string type) =>
        entry?.Subkey("Elements")?.Subkey(type)?.Value("Element");

    /// <summary>
    /// A device blob: 16-byte options GUID, u32 device type at 0x10, then for a partition (6) at 0x20
    /// the MBR byte offset (u64) or GPT partition GUID, the style at 0x34 (1 MBR, 0 GPT), and at 0x38
    /// the MBR signature (u32) or GPT disk GUID.
    /// </summary>
    internal static BcdDevice? Device(RegistryValue? value)
    {
        if (value is null)
        {
            return null;
        }

        var blob = value.Data.Span;
        if (blob.Length < 0x14)
        {
            return new BcdDevice($"damaged ({blob.Length} bytes)");
        }

        uint type = BinaryPrimitives.ReadUInt32LittleEndian(blob[0x10..]);
        if (type == 1)
        {
            return new BcdDevice("boot");
        }

        if (type != 6)
        {
            return new BcdDevice($"type {type}");
        }

        if (blob.Length < 0x48)
        {
            return new BcdDevice($"damaged partition device ({blob.Length} bytes)");
        }

        uint style = BinaryPrimitives.ReadUInt32LittleEndian(blob[0x34..]);
        return style == 1
            ? new BcdDevice("partition")
            {
                MbrPartitionOffset = BinaryPrimitives.ReadInt64LittleEndian(blob[0x20..]),
                MbrSignature = BinaryPrimitives.ReadUInt32LittleEndian(blob[0x38..]),
            }
            : new BcdDevice("partition") { GptPartitionGuid = new Guid(blob.Slice(0x20, 16)), GptDiskGuid = new Guid(blob.Slice(0x38, 16)) };
    }
}
