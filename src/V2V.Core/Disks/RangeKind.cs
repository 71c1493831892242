namespace V2V.Core.Disks;

/// <summary>What a range of a virtual disk holds, as far as its container knows without reading it.</summary>
public enum RangeKind
{
    /// <summary>Stored bytes that must be read (they may still turn out to be zero).</summary>
    Data,

    /// <summary>Explicitly recorded as zero (VHDX ZERO state, VMDK zero grain, ZERO extent).</summary>
    Zero,

    /// <summary>Never written: a hole, an unallocated block. Reads as zero when there is no parent.</summary>
    Unallocated,
}
