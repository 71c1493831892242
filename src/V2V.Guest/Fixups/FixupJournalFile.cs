using System.Text.Json;
using V2V.Core.Errors;
using V2V.Core.Pipeline;

namespace V2V.Guest.Fixups;

/// <summary>
/// The journal files beside a fixed target (<c>TARGET.fixups.json</c>, <c>TARGET.undo.reg</c>) and
/// the reading of a journal as hostile input: at most <see cref="MaxBytes"/>, JSON as
/// <see cref="FixupJournalJson"/> writes it, every list present, every disk range inside the disk,
/// ascending and disjoint, its base64 bytes exactly its length, digests well formed and of a hash V2V
/// computes. Anything else is an <see cref="InvalidImageException"/> naming the file (exit 2).
/// </summary>
public static class FixupJournalFile
{
    public const string JournalSuffix = ".fixups.json";
    public const string UndoRegSuffix = ".undo.reg";

    /// <summary>Largest journal read: the original bytes of every changed range, base64, of a SYSTEM hive of a few hundred MiB at most.</summary>
    public const long MaxBytes = 256L << 20;

    public static string JournalPathOf(string target) => target + JournalSuffix;

    public static string UndoRegPathOf(string target) => target + UndoRegSuffix;

    /// <summary>Reads and checks the journal at <paramref name="path"/> for a disk of <paramref name="capacity"/> bytes.</summary>
    /// <exception cref="InvalidImageException">Too large, not JSON, not a journal, or a range or digest out of bounds.</exception>
    /// <exception cref="UnsupportedFormatException">A journal version this V2V does not know.</exception>
    public static FixupJournal Read(string path, long capacity)
    {
        byte[] bytes;
        using (var stream = File.OpenRead(path))
        {
            if (stream.Length > MaxBytes)
            {
                throw new InvalidImageException(path, $"is {stream.Length} bytes; a fixup journal is at most {MaxBytes} bytes");
            }

            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }

        FixupJournal? journal;
        try
        {
            journal = JsonSerializer.Deserialize(bytes, FixupJournalJson.Default.FixupJournal);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new InvalidImageException(path, $"is not a fixup journal: {e.Message}", e);
        }

        if (journal is null)
        {
            throw new InvalidImageException(path, "is not a fixup journal: it holds null");
        }

        if (journal.Version != FixupJournal.CurrentVersion)
        {
            throw new UnsupportedFormatException(path, $"fixup journal version {journal.Version}; this v2v reads version {FixupJournal.CurrentVersion}");
        }

        if (journal.Fixups is null || journal.Registry is null || journal.CreatedKeys is null || journal.Files is null || journal.Disk is null
            || journal.Fixups.Any(f => f is null) || journal.Registry.Any(r => r is null) || journal.CreatedKeys.Any(k => k is null)
            || journal.Files.Any(f => f is null) || journal.Disk.Any(d => d is null))
        {
            throw new InvalidImageException(path, "is not a fixup journal: a list (fixups, registry, created-keys, files, disk) or one of its items is missing");
        }

        CheckDigest(path, "source-digest", journal.SourceDigest);
        CheckDigest(path, "output-digest", journal.OutputDigest);
        if (journal.SourceCapacity is { } sourceCapacity && (sourceCapacity <= 0 || sourceCapacity > capacity))
        {
            throw new InvalidImageException(path, $"source-capacity {sourceCapacity} is not within the {capacity}-byte disk");
        }

        _ = JournalRanges.From(path, journal, capacity);
        return journal;
    }

    private static void CheckDigest(string path, string field, string? digest)
    {
        if (digest is null)
        {
            return;
        }

        if (!ContentDigest.TryParse(digest, out string name, out _))
        {
            throw new InvalidImageException(path, $"{field} \"{digest}\" is not a content digest (NAME:HEX)");
        }

        if (DigestAlgorithm.Find(name) is null)
        {
            throw new UnsupportedFormatException(path, $"{field} is a {name} digest; v2v computes {string.Join(", ", DigestAlgorithm.All.Select(a => a.Name))}");
        }
    }
}
