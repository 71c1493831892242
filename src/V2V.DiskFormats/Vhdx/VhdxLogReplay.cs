using V2V.Core.Errors;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Vhdx;

/// <summary>
/// Finds the active sequence of a VHDX log (MS-VHDX 2.3.3) and replays it into an in-memory
/// overlay. Hyper-V leaves such logs after a crash; a reader that ignored them would return
/// stale metadata and data.
/// </summary>
public static class VhdxLogReplay
{
    /// <summary>Logs larger than this are refused rather than read into memory (Hyper-V writes 1 MiB).</summary>
    public const long MaxLogLength = 256L * 1024 * 1024;

    private const long MaxCheckedLogPasses = 8;

    /// <summary>Returns the overlay, or <see cref="VhdxLogOverlay.Empty"/> when the header says the log is empty.</summary>
    public static VhdxLogOverlay Replay(ImageFile file, VhdxHeader header, out int replayedEntries)
    {
        replayedEntries = 0;
        if (!header.HasLog || header.LogLength == 0)
        {
            return VhdxLogOverlay.Empty;
        }

        if (header.LogOffset % VhdxLayout.HeaderSectionSize != 0 || header.LogOffset < VhdxLayout.HeaderSectionSize
            || header.LogLength % VhdxLayout.HeaderSectionSize != 0)
        {
            throw new InvalidImageException(file.Path, $"header LogOffset {header.LogOffset} / LogLength {header.LogLength} are not 1 MiB-aligned");
        }

        if (header.LogLength > MaxLogLength)
        {
            throw new UnsupportedFormatException(file.Path, $"log of {header.LogLength} bytes is larger than the {MaxLogLength} bytes V2V replays");
        }

        var log = new byte[header.LogLength];
        file.ReadExactly((long)header.LogOffset, log, "log region");

        var sequence = FindActiveSequence(file.Path, log, header.LogGuid);
        var overlay = new VhdxLogOverlay();
        overlay.SetFileLength(file.Length);
        foreach (var entry in sequence)
        {
            if (entry.FlushedFileOffset > file.Length)
            {
                throw new InvalidImageException(file.Path, $"truncated: log entry {entry.SequenceNumber} says the file was flushed at {entry.FlushedFileOffset} bytes, but it is {file.Length} bytes");
            }

            long limit = Math.Max(entry.LastFileOffset, file.Length);
            int data = 0;
            foreach (var descriptor in entry.Descriptors)
            {
                if (descriptor.FileOffset < VhdxLayout.HeaderSectionSize || descriptor.FileOffset > limit - descriptor.ZeroLength)
                {
                    throw new InvalidImageException(file.Path, $"log entry {entry.SequenceNumber} writes {descriptor.ZeroLength} bytes at file offset {descriptor.FileOffset}, outside 1 MiB..{limit}");
                }

                if (descriptor.IsZero)
                {
                    overlay.WriteZeros(descriptor.FileOffset, descriptor.ZeroLength);
                }
                else
                {
                    overlay.WriteSector(descriptor.FileOffset, entry.DataSectors[data++]);
                }
            }

            overlay.SetFileLength(entry.LastFileOffset);
            replayedEntries++;
        }

        return overlay;
    }

    /// <summary>
    /// The active sequence ends at the valid entry with the highest sequence number; walking back
    /// through entries that end where the next begins, with sequence numbers one lower, finds the
    /// rest of it, up to the entry the head names as its tail.
    /// </summary>
    private static List<VhdxLogEntry> FindActiveSequence(string path, byte[] log, Guid logGuid)
    {
        var byEnd = new Dictionary<long, VhdxLogEntry>();
        VhdxLogEntry? head = null;
        long bytesChecked = 0;
        for (long position = 0; position < log.Length; position += VhdxLogEntry.SectorSize)
        {
            var entry = VhdxLogEntry.TryRead(log, position, logGuid, ref bytesChecked);

            // Entries of a real log tile it, this pass and what is left of the last one: a few times
            // its length at most. Headers at every sector claiming the whole log would cost
            // quadratic work (16 TiB of CRC for a 256 MiB log).
            if (bytesChecked > MaxCheckedLogPasses * log.Length)
            {
                throw new InvalidImageException(path, $"log entry headers claim more than {MaxCheckedLogPasses} times the {log.Length}-byte log; no writer leaves such a log");
            }

            if (entry is not null)
            {
                byEnd[(entry.LogPosition + entry.EntryLength) % log.Length] = entry;
                if (head is null || entry.SequenceNumber > head.SequenceNumber)
                {
                    head = entry;
                }
            }
        }

        if (head is null)
        {
            return [];
        }

        var sequence = new List<VhdxLogEntry> { head };
        var current = head;
        while (current.LogPosition != head.Tail
            && byEnd.TryGetValue(current.LogPosition, out var previous)
            && previous.SequenceNumber == current.SequenceNumber - 1)
        {
            sequence.Add(previous);
            current = previous;
        }

        sequence.Reverse();
        return sequence;
    }
}
