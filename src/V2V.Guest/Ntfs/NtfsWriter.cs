using System.Buffers.Binary;
using V2V.Guest.Devices;

namespace V2V.Guest.Ntfs;

/// <summary>
/// A constrained in-place NTFS writer (WINDOWS.md §8 (a)-(c)): replaces the content of an existing
/// file's unnamed data stream, overwriting only the 512-byte sectors that change, growing within
/// the allocated clusters or with clusters taken from $Bitmap (runlist re-encoded, allocated, data
/// and valid sizes raised in the $DATA attribute, the $FILE_NAME copies in the record and in the
/// parent's $I30 index refreshed, update-sequence fixups redone, $MFTMirr kept in step). There is no
/// journaling: it refuses (<see cref="NtfsWriteRefusedException"/>) a hibernated volume, an unclean
/// or Windows 8+ cached $LogFile and a dirty volume, so the log stays clean; and it refuses
/// compressed, encrypted or sparse data, files with an $ATTRIBUTE_LIST and runlists that outgrow
/// their record. Not thread-safe.
/// </summary>
public sealed partial class NtfsWriter
{
    private const int Sector = 512;
    private const uint DataType = 0x80;
    private const uint FileNameType = 0x30;
    private const uint EndMarker = 0xFFFFFFFF;
    private readonly IBlockDevice _device;

    private NtfsWriter(IBlockDevice device, long offset, long length)
    {
        _device = device;
        Offset = offset;
        Length = length;
        Volume = NtfsVolume.Open(new DeviceDiskSource(device), offset, length);
    }

    /// <summary>Byte offset of the volume on the device.</summary>
    public long Offset { get; }

    public long Length { get; }

    /// <summary>A reader of the volume as written so far.</summary>
    public NtfsVolume Volume { get; private set; }

    /// <summary>
    /// Opens the NTFS volume at [offset, offset + length) of <paramref name="device"/> for writing,
    /// after checking it is safe to write (see the class summary).
    /// </summary>
    /// <exception cref="NtfsWriteRefusedException">Hibernated, unclean $LogFile or dirty volume.</exception>
    /// <exception cref="V2V.Core.Errors.InvalidImageException">Not NTFS, or damaged.</exception>
    public static NtfsWriter Open(IBlockDevice device, long offset, long length)
    {
        var writer = new NtfsWriter(device, offset, length);
        if (writer.RefusalReason() is { } reason)
        {
            throw new NtfsWriteRefusedException(device.Path, reason);
        }

        return writer;
    }

    /// <summary>Why the volume must not be written (null when it may be): the report says to shut the source down cleanly or run chkdsk.</summary>
    private string? RefusalReason()
    {
        if (Volume.Exists("hiberfil.sys"))
        {
            using var stream = Volume.OpenFile("hiberfil.sys");
            var magic = new byte[4];
            if (stream.Read(magic) == 4 && System.Text.Encoding.ASCII.GetString(magic).Equals("hibr", StringComparison.OrdinalIgnoreCase))
            {
                return "Windows is hibernated (hiberfil.sys starts with 'hibr'); shut the source down fully (no hibernation or Fast Startup) and convert again";
            }
        }

        var log = Volume.LogFileState;
        if (log is not (LogFileState.Clean or LogFileState.Empty))
        {
            return $"its $LogFile is not clean ({log}); shut the source down cleanly (or run chkdsk) and convert again";
        }

        return Volume.Information.IsDirty ? "the volume is marked dirty (chkdsk pending); run chkdsk on the source, shut it down cleanly and convert again" : null;
    }

    /// <summary>
    /// Makes the unnamed data stream of the file at <paramref name="path"/> hold exactly
    /// <paramref name="content"/>. Returns the number of bytes written to the device.
    /// </summary>
    /// <exception cref="NtfsWriteRefusedException">The file's data cannot be written in place (see the class summary).</exception>
    public long ReplaceContent(string path, ReadOnlySpan<byte> content)
    {
        long number = Volume.RecordNumberOf(path);
        if (Volume.HasAttributeList(path))
        {
            throw Refused($"\"{path}\" has an $ATTRIBUTE_LIST (its attributes span several MFT records), which this writer does not change");
        }

        var record = ReadRecord(number);
        int data = FindAttribute(record, DataType, unnamed: true) ?? throw Refused($"\"{path}\" has no unnamed data stream");
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(data + 12));
        if ((flags & (NtfsAttribute.FlagCompressed | NtfsAttribute.FlagEncrypted)) != 0)
        {
            throw Refused($"\"{path}\" is {((flags & NtfsAttribute.FlagEncrypted) != 0 ? "encrypted" : "compressed")}; its data is not written in place");
        }

        long written = record[data + 8] == 0
            ? ReplaceResident(number, record, data, content, path)
            : ReplaceNonResident(number, record, data, content, path);
        Volume = NtfsVolume.Open(new DeviceDiskSource(_device), Offset, Length);
        return written;
    }

    private NtfsWriteRefusedException Refused(string reason) => new(_device.Path, reason);

    private long ReplaceResident(long number, byte[] record, int attribute, ReadOnlySpan<byte> content, string path)
    {
        int valueOffset = BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(attribute + 20));
        int oldLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(attribute + 4));
        int newLength = (valueOffset + content.Length + 7) & ~7;
        if (!Resize(record, attribute, oldLength, newLength))
        {
            throw Refused($"\"{path}\": {content.Length} bytes do not fit its MFT record as resident data (making data non-resident is not supported)");
        }

        content.CopyTo(record.AsSpan(attribute + valueOffset));
        record.AsSpan(attribute + valueOffset + content.Length, newLength - valueOffset - content.Length).Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(attribute + 16), (uint)content.Length);
        UpdateFileNames(number, record, content.Length, content.Length);
        return WriteRecord(number, record);
    }

    /// <summary>Changes the length of the attribute at <paramref name="attribute"/>, moving the attributes after it; false when the record has no room.</summary>
    private static bool Resize(byte[] record, int attribute, int oldLength, int newLength)
    {
        int used = (int)BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(24));
        int allocated = (int)BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(28));
        int delta = newLength - oldLength;
        if (used + delta > allocated || used + delta > record.Length)
        {
            return false;
        }

        int tail = attribute + oldLength;
        record.AsSpan(tail, used - tail).CopyTo(record.AsSpan(tail + delta));
        if (delta < 0)
        {
            record.AsSpan(used + delta, -delta).Clear();
        }

        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(attribute + 4), (uint)newLength);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(24), (uint)(used + delta));
        return true;
    }

    /// <summary>The offset of the first attribute of <paramref name="type"/> in a record (unnamed only when asked), or null.</summary>
    private static int? FindAttribute(byte[] record, uint type, bool unnamed)
    {
        foreach (int at in Attributes(record))
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(at)) == type && (!unnamed || record[at + 9] == 0))
            {
                return at;
            }
        }

        return null;
    }

    /// <summary>Offsets of a record's attributes (bounded by its used size).</summary>
    private static List<int> Attributes(byte[] record)
    {
        var result = new List<int>();
        int used = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(24)), (uint)record.Length);
        int at = BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(20));
        while (at + 8 <= used && BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(at)) != EndMarker)
        {
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(at + 4));
            if (length < 16 || at + length > used)
            {
                throw new NtfsCorruptException($"MFT record {BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(44))}: attribute at {at} has length {length}");
            }

            result.Add(at);
            at += length;
        }

        return result;
    }

    /// <summary>An MFT record's bytes with the update-sequence fixups undone.</summary>
    private byte[] ReadRecord(long number)
    {
        var record = new byte[Volume.BootSector.MftRecordSize];
        _device.Read(Offset + Volume.RecordOffset(number), record);
        UpdateSequence.Apply(record, $"MFT record {number}");
        return record;
    }

    /// <summary>Writes a record (fixups redone) and its $MFTMirr copy when it is one of the mirrored records; returns bytes written.</summary>
    private long WriteRecord(long number, byte[] record)
    {
        var bytes = record.ToArray();
        UpdateSequenceWriter.Protect(bytes);
        _device.Write(Offset + Volume.RecordOffset(number), bytes);
        var boot = Volume.BootSector;
        int mirrored = boot.ClusterSize <= 4 * boot.MftRecordSize ? 4 : boot.ClusterSize / boot.MftRecordSize;
        if (number < mirrored)
        {
            _device.Write(Offset + (boot.MftMirrLcn * boot.ClusterSize) + (number * boot.MftRecordSize), bytes);
            return bytes.Length * 2L;
        }

        return bytes.Length;
    }

    /// <summary>Writes the sectors of <paramref name="runs"/>' data in [0, content.Length) that differ from <paramref name="content"/>.</summary>
    private long WriteChangedSectors(IReadOnlyList<DataRun> runs, ReadOnlySpan<byte> content)
    {
        int clusterSize = Volume.BootSector.ClusterSize;
        long written = 0;
        // 64 KiB stays below the large object heap: the old content passes through it, never whole.
        var buffer = new byte[64 * 1024];
        foreach (var run in runs)
        {
            long start = run.Vcn * clusterSize;
            long end = Math.Min((run.Vcn + run.Length) * clusterSize, content.Length);
            for (long position = start; position < end; position += buffer.Length)
            {
                int count = (int)Math.Min(buffer.Length, ((end - position + Sector - 1) / Sector) * Sector);
                long disk = Offset + (run.Lcn * clusterSize) + (position - start);
                var span = buffer.AsSpan(0, count);
                _device.Read(disk, span);
                int dirtyFrom = -1;
                for (int sector = 0; sector <= count; sector += Sector)
                {
                    bool differs = false;
                    if (sector < count)
                    {
                        int take = (int)Math.Min(Sector, content.Length - (position + sector));
                        var wanted = content.Slice((int)(position + sector), take);
                        differs = !span.Slice(sector, take).SequenceEqual(wanted);
                        wanted.CopyTo(span[sector..]);
                    }

                    if (differs && dirtyFrom < 0)
                    {
                        dirtyFrom = sector;
                    }
                    else if (!differs && dirtyFrom >= 0)
                    {
                        _device.Write(disk + dirtyFrom, span[dirtyFrom..sector]);
                        written += sector - dirtyFrom;
                        dirtyFrom = -1;
                    }
                }
            }
        }

        return written;
    }
}
