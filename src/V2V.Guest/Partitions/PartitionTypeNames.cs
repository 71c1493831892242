namespace V2V.Guest.Partitions;

/// <summary>Names of common MBR partition types and GPT partition type GUIDs, for reports.</summary>
public static class PartitionTypeNames
{
    public static readonly Guid EfiSystem = new("C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
    public static readonly Guid LdmMetadata = new("5808C8AA-7E8F-42E0-85D2-E1E90434CFB3");
    public static readonly Guid LdmData = new("AF9B60A0-1431-4F62-BC68-3311714A69AD");

    private static readonly Dictionary<Guid, string> Gpt = new()
    {
        [EfiSystem] = "EFI system partition",
        [LdmMetadata] = "LDM metadata (dynamic disk)",
        [LdmData] = "LDM data (dynamic disk)",
        [new Guid("E3C9E316-0B5C-4DB8-817D-F92DF00215AE")] = "Microsoft reserved",
        [new Guid("EBD0A0A2-B9E5-4433-87C0-68B6B72699C7")] = "Microsoft basic data",
        [new Guid("DE94BBA4-06D1-4D40-A16A-BFD50179D6AC")] = "Windows recovery",
        [new Guid("E75CAF8F-F680-4CEE-AFA3-B001E56EFC2D")] = "Storage Spaces",
        [new Guid("21686148-6449-6E6F-744E-656564454649")] = "BIOS boot",
        [new Guid("0FC63DAF-8483-4772-8E79-3D69D8477DE4")] = "Linux filesystem",
        [new Guid("0657FD6D-A4AB-43C4-84E5-0933C84B4F4F")] = "Linux swap",
        [new Guid("E6D6D379-F507-44C2-A23C-238F2A3DF928")] = "Linux LVM",
        [new Guid("A19D880F-05FC-4D3B-A006-743F0F84911E")] = "Linux RAID",
        [new Guid("CA7D7CCB-63ED-4C53-861C-1742536059CC")] = "Linux LUKS",
        [new Guid("4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709")] = "Linux root (x86-64)",
        [new Guid("BC13C2FF-59E6-4262-A352-B275FD6F7172")] = "Linux extended boot",
    };

    public static string DescribeGpt(Guid type) => Gpt.TryGetValue(type, out var name) ? name : type.ToString("D").ToUpperInvariant();

    public static string DescribeMbr(byte type) => $"MBR 0x{type:X2} ({MbrName(type)})";

    private static string MbrName(byte type) => type switch
    {
        0x01 => "FAT12",
        0x04 or 0x06 or 0x0E => "FAT16",
        0x07 => "NTFS/exFAT/IFS",
        0x0B or 0x0C => "FAT32",
        0x05 or 0x0F or 0x85 => "extended",
        0x12 => "OEM/diagnostics",
        0x17 => "hidden NTFS",
        0x27 => "Windows recovery",
        0x42 => "Windows dynamic disk (LDM)",
        0x82 => "Linux swap",
        0x83 => "Linux",
        0x8E => "Linux LVM",
        0xA5 => "FreeBSD",
        0xEE => "GPT protective",
        0xEF => "EFI system",
        0xFD => "Linux RAID",
        _ => "unknown",
    };
}
