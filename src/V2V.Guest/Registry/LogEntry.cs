using System.Buffers.Binary;

namespace V2V.Guest.Registry;

/// <summary>
/// One HvLE entry of a Windows 8.1+ transaction log ("Log entries" in the regf specification):
/// <c>HvLE</c>, size at 4, flags at 8, sequence at 12, hive bins data size at 16, dirty page count
/// at 20, Marvin32 Hash-1 (over bytes 40..size) at 24 and Hash-2 (over bytes 0..32) at 32, then
/// (offset, size) page references and the pages themselves, packed.
/// </summary>
internal sealed record LogEntry(long FileOffset, uint Flags, uint Sequence, uint HiveBinsDataSize, IReadOnlyList<(uint Offset, int Size, int At)> Pages, ReadOnlyMemory<byte> Entry)
{
    private const int HeaderLength = 40;

    /// <summary>Reads the entry at <paramref name="at"/>; null with the reason when it is absent, torn or damaged.</summary>
    public static LogEntry? TryRead(ReadOnlyMemory<byte> log, int at, out string? problem)
    {
        problem = null;
        var span = log.Span;
        if (span.Length - at < HeaderLength || !span.Slice(at, 4).SequenceEqual("HvLE"u8))
        {
            return null; // the end of the entries (zeros or old data)
        }

        uint size = U32(span, at + 4);
        uint binsSize = U32(span, at + 16);
        uint pageCount = U32(span, at + 20);
        if (size < HeaderLength || size % 512 != 0 || size > span.Length - at)
        {
            problem = $"log entry at 0x{at:X} has size {size}";
            return null;
        }

        var entry = span.Slice(at, (int)size);
        if (Marvin32.Hash(entry[HeaderLength..]) != BinaryPrimitives.ReadUInt64LittleEndian(entry[24..])
            || Marvin32.Hash(entry[..32]) != BinaryPrimitives.ReadUInt64LittleEndian(entry[32..]))
        {
            problem = $"log entry at 0x{at:X} (sequence {U32(span, at + 12)}) fails its Marvin32 hash";
            return null;
        }

        if (binsSize == 0 || binsSize % HiveBinHeader.Alignment != 0 || pageCount > (size - HeaderLength) / 8)
        {
            problem = $"log entry at 0x{at:X} gives hive bins data size 0x{binsSize:X} and {pageCount} pages";
            return null;
        }

        var pages = new List<(uint, int, int)>((int)pageCount);
        long data = HeaderLength + (8L * pageCount);
        for (int i = 0; i < pageCount; i++)
        {
            uint offset = U32(entry, HeaderLength + (8 * i));
            uint length = U32(entry, HeaderLength + (8 * i) + 4);
            if (length % 512 != 0 || (long)offset + length > binsSize || data + length > size)
            {
                problem = $"log entry at 0x{at:X} has a page of {length} bytes at 0x{offset:X} outside its hive bins data or entry";
                return null;
            }

            pages.Add((offset, (int)length, (int)data));
            data += length;
        }

        return new LogEntry(at, U32(span, at + 8), U32(span, at + 12), binsSize, pages, log.Slice(at, (int)size));
    }

    /// <summary>Every valid entry of a new-format log, in file order, stopping at the first absent or damaged one.</summary>
    public static List<LogEntry> ReadAll(ReadOnlyMemory<byte> log, string logName, List<string> findings)
    {
        var entries = new List<LogEntry>();
        int at = 512;
        while (at < log.Length)
        {
            var entry = TryRead(log, at, out string? problem);
            if (entry is null)
            {
                if (problem is not null)
                {
                    findings.Add($"{logName}: {problem}; later entries of this log are not used");
                }

                break;
            }

            if (entries.Count > 0 && entry.Sequence != entries[^1].Sequence + 1)
            {
                break; // older, already applied entries follow the newest ones after the log wrapped
            }

            entries.Add(entry);
            at += entry.Entry.Length;
        }

        return entries;
    }

    private static uint U32(ReadOnlySpan<byte> span, int at) => BinaryPrimitives.ReadUInt32LittleEndian(span[at..]);
}
