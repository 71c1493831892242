using V2V.Guest.Devices;

namespace V2V.Guest.Fixups;

/// <summary>Reverts a fixed disk offline: every journaled range gets its original bytes back, so the disk equals what it was before the fixups.</summary>
public static class FixupUndo
{
    /// <summary>Writes the journal's original bytes back to <paramref name="device"/>; returns the bytes written.</summary>
    /// <exception cref="ArgumentException">A range is outside the device or its length does not match its bytes.</exception>
    public static long Apply(IBlockDevice device, FixupJournal journal)
    {
        var ranges = journal.Disk.Select(d => (d.Offset, Bytes: Convert.FromBase64String(d.Original), d.Length)).ToList();
        foreach (var (offset, bytes, length) in ranges)
        {
            if (bytes.Length != length || offset < 0 || offset > device.Capacity - length)
            {
                throw new ArgumentException($"{device.Path}: journal range of {length} bytes at {offset} does not fit the disk or its bytes", nameof(journal));
            }
        }

        foreach (var (offset, bytes, _) in ranges)
        {
            device.Write(offset, bytes);
        }

        return ranges.Sum(r => (long)r.Bytes.Length);
    }
}
