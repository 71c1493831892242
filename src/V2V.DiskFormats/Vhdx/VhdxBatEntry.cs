namespace V2V.DiskFormats.Vhdx;

/// <summary>Block states of MS-VHDX 2.5.1 (payload) and 2.5.2 (sector bitmap).</summary>
public enum VhdxBlockState
{
    NotPresent = 0,
    Undefined = 1,
    Zero = 2,
    Unmapped = 3,

    /// <summary>An UNMAPPED value used by early writers; read as zeros.</summary>
    UnmappedLegacy = 5,
    FullyPresent = 6,
    PartiallyPresent = 7,
}

/// <summary>A 64-bit BAT entry: the state in bits 0–2, the file offset in MiB in bits 20–63.</summary>
public readonly record struct VhdxBatEntry(VhdxBlockState State, long FileOffsetMB)
{
    /// <summary>Bits 0–2: the block state.</summary>
    public const ulong StateMask = 0x7;

    /// <summary>Bits 3–19: reserved, zero in a sound entry.</summary>
    public const ulong ReservedMask = 0xFFFF8;

    /// <summary>Bits 20–63: the file offset in MiB.</summary>
    public const int FileOffsetMBShift = 20;

    public static VhdxBatEntry FromRaw(ulong raw) => new((VhdxBlockState)(raw & StateMask), (long)(raw >> FileOffsetMBShift));

    public ulong ToRaw() => ((ulong)FileOffsetMB << FileOffsetMBShift) | (ulong)State;

    public long FileOffset => FileOffsetMB * 1024 * 1024;

    /// <summary>Bits 3–19 are reserved; a set bit means a damaged or unknown entry.</summary>
    public static bool HasReservedBits(ulong raw) => (raw & ReservedMask) != 0;
}
