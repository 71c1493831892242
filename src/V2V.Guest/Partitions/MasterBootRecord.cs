using System.Buffers.Binary;

namespace V2V.Guest.Partitions;

/// <summary>
/// Sector 0 of a disk (or an extended boot record): boot code, the Windows disk signature at 0x1B8,
/// four <see cref="MbrPartitionEntry"/> and the 55 AA boot signature at 0x1FE.
/// </summary>
public sealed class MasterBootRecord
{
    private MasterBootRecord(uint diskSignature, MbrPartitionEntry[] entries)
    {
        DiskSignature = diskSignature;
        Entries = entries;
    }

    /// <summary>The 32-bit signature Windows keys <c>MountedDevices</c> with.</summary>
    public uint DiskSignature { get; }

    public IReadOnlyList<MbrPartitionEntry> Entries { get; }

    public bool IsProtectiveGpt => Entries.Any(e => e.Type == MbrPartitionEntry.ProtectiveGpt);

    public static bool HasBootSignature(ReadOnlySpan<byte> sector) => sector.Length >= 512 && sector[510] == 0x55 && sector[511] == 0xAA;

    /// <summary>Parses a 512-byte (or larger) sector; null when it lacks the 55 AA signature.</summary>
    public static MasterBootRecord? TryRead(ReadOnlySpan<byte> sector)
    {
        if (!HasBootSignature(sector))
        {
            return null;
        }

        var entries = new MbrPartitionEntry[4];
        for (int i = 0; i < 4; i++)
        {
            entries[i] = MbrPartitionEntry.Read(sector, i);
        }

        return new MasterBootRecord(BinaryPrimitives.ReadUInt32LittleEndian(sector[0x1B8..]), entries);
    }
}
