namespace V2V.Guest.Ntfs;

/// <summary>Directory indexes ($I30) and path lookup.</summary>
public sealed partial class NtfsVolume
{
    private const int MaxPathComponents = 256;
    private const int MaxIndexDepth = 64;

    /// <summary>Finds the file a path names and the stream its last component asks for ("name:stream").</summary>
    private (NtfsFile File, string Stream) Resolve(string path)
    {
        var components = path.Split(['\\', '/'], StringSplitOptions.RemoveEmptyEntries);
        if (components.Length > MaxPathComponents)
        {
            throw new NtfsNotFoundException($"\"{path}\" has more than {MaxPathComponents} components");
        }

        string stream = "";
        if (components.Length > 0 && components[^1].IndexOf(':', StringComparison.Ordinal) is var colon and >= 0)
        {
            stream = components[^1][(colon + 1)..];
            components[^1] = components[^1][..colon];
            if (stream.EndsWith(":$DATA", StringComparison.OrdinalIgnoreCase))
            {
                stream = stream[..^6];
            }
        }

        var file = OpenRecord(RootDirectoryRecord, 0);
        foreach (var name in components)
        {
            if (!file.IsDirectory)
            {
                throw new NtfsNotFoundException($"\"{path}\": a component before \"{name}\" is not a directory");
            }

            var entry = FindInIndex(file, name) ?? throw new NtfsNotFoundException($"\"{path}\": \"{name}\" not found");
            file = OpenRecord(entry.RecordNumber, entry.Sequence);
        }

        return (file, stream);
    }

    /// <summary>
    /// Descends the B+ tree: entries are sorted by upcased name; the first entry greater than the
    /// name leads to the sub-node holding it. An exact-case match wins over a case-insensitive one
    /// (POSIX names may differ only in case).
    /// </summary>
    private IndexEntry? FindInIndex(NtfsFile directory, string name)
    {
        var upCase = UpCase();
        var (root, allocation) = IndexOf(directory);
        var visited = new HashSet<long>();
        var entries = root.Entries;
        IndexEntry? candidate = null;
        while (true)
        {
            long? next = null;
            foreach (var entry in entries)
            {
                int order = entry.IsLast ? -1 : upCase.Compare(name, entry.Key!.Name);
                if (order == 0 && entry.Key!.Namespace != FileNameNamespace.Dos || order == 0 && candidate is null)
                {
                    if (string.Equals(entry.Key!.Name, name, StringComparison.Ordinal))
                    {
                        return entry;
                    }

                    candidate ??= entry;
                }

                if (order < 0)
                {
                    next = entry.SubnodeVcn;
                    break;
                }
            }

            if (next is not { } vcn)
            {
                return candidate;
            }

            entries = ReadIndexRecord(directory, root, allocation, vcn, visited);
        }
    }

    /// <summary>Every entry of a directory's index in collation order (sub-nodes before the entry that follows them).</summary>
    private List<IndexEntry> EnumerateIndex(NtfsFile directory)
    {
        var (root, allocation) = IndexOf(directory);
        var result = new List<IndexEntry>();
        var visited = new HashSet<long>();
        Walk(root.Entries, 0);
        return result;

        void Walk(List<IndexEntry> entries, int depth)
        {
            if (depth > MaxIndexDepth)
            {
                throw new NtfsCorruptException($"MFT record {directory.RecordNumber}: $I30 index is deeper than {MaxIndexDepth} levels");
            }

            foreach (var entry in entries)
            {
                if (entry.SubnodeVcn is { } vcn)
                {
                    Walk(ReadIndexRecord(directory, root, allocation, vcn, visited), depth + 1);
                }

                if (!entry.IsLast)
                {
                    result.Add(entry);
                }
            }
        }
    }

    private (IndexRoot Root, AttributeData? Allocation) IndexOf(NtfsFile directory)
    {
        string where = $"MFT record {directory.RecordNumber} $I30";
        var rootPieces = directory.Pieces(AttributeType.IndexRoot, "$I30");
        if (rootPieces.Count != 1 || !rootPieces[0].IsResident)
        {
            throw new NtfsCorruptException($"{where}: no resident $INDEX_ROOT");
        }

        var root = IndexRoot.Parse(rootPieces[0].Value, where);
        var allocationPieces = directory.Pieces(AttributeType.IndexAllocation, "$I30");
        return (root, allocationPieces.Count == 0 ? null : AttributeData.From(this, allocationPieces, $"{where} $INDEX_ALLOCATION"));
    }

    /// <summary>
    /// Reads the INDX record at a sub-node VCN. VCNs count clusters when index records are at least a
    /// cluster, else 512-byte blocks ([NTFS3G] index_vcn_size). A VCN seen twice is a cycle.
    /// </summary>
    private List<IndexEntry> ReadIndexRecord(NtfsFile directory, IndexRoot root, AttributeData? allocation, long vcn, HashSet<long> visited)
    {
        string where = $"MFT record {directory.RecordNumber} $I30 index record VCN {vcn}";
        if (allocation is null)
        {
            throw new NtfsCorruptException($"{where}: an entry points to a sub-node but there is no $INDEX_ALLOCATION");
        }

        if (!visited.Add(vcn))
        {
            throw new NtfsCorruptException($"{where}: the index points back to a record already visited (cycle)");
        }

        long unit = root.IndexRecordSize >= BootSector.ClusterSize ? BootSector.ClusterSize : 512;
        if (vcn < 0 || vcn > (allocation.Length - root.IndexRecordSize) / unit)
        {
            throw new NtfsCorruptException($"{where}: outside $INDEX_ALLOCATION ({allocation.Length} bytes)");
        }

        var record = new byte[root.IndexRecordSize];
        allocation.Read(vcn * unit, record);
        return IndexRecord.Parse(record, vcn, where);
    }
}
