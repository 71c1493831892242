using System.Buffers.Binary;

namespace V2V.Guest.Ntfs;

/// <summary>$Volume's $VOLUME_INFORMATION value ([LIBFSNTFS]): NTFS version major (8) and minor (9), flags (10).</summary>
public sealed record VolumeInformation(int MajorVersion, int MinorVersion, NtfsVolumeStatus Flags)
{
    public bool IsDirty => (Flags & NtfsVolumeStatus.Dirty) != 0;

    internal static VolumeInformation Parse(ReadOnlySpan<byte> value)
    {
        if (value.Length < 12)
        {
            throw new NtfsCorruptException($"$VOLUME_INFORMATION of {value.Length} bytes is too short");
        }

        return new VolumeInformation(value[8], value[9], (NtfsVolumeStatus)BinaryPrimitives.ReadUInt16LittleEndian(value[10..]));
    }
}

/// <summary>$VOLUME_INFORMATION flags ([NTFS3G-LAYOUT] VOLUME_FLAGS).</summary>
[Flags]
public enum NtfsVolumeStatus : ushort
{
    None = 0,

    /// <summary>Windows runs chkdsk at the next boot.</summary>
    Dirty = 0x0001,
    ResizeLogFile = 0x0002,
    UpgradeOnMount = 0x0004,
    MountedOnNt4 = 0x0008,
    DeleteUsnUnderway = 0x0010,
    RepairObjectIds = 0x0020,
    ModifiedByChkdsk = 0x8000,
}
