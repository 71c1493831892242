namespace V2V.Guest.Ntfs;

/// <summary>
/// A file's base MFT record with every attribute it owns, those in extension records included
/// (found through its $ATTRIBUTE_LIST).
/// </summary>
internal sealed record NtfsFile(long RecordNumber, ushort Sequence, bool IsDirectory, IReadOnlyList<NtfsAttribute> Attributes, bool HasAttributeList)
{
    /// <summary>The pieces of the attribute of this type and name (names compare ignoring case, as NTFS does).</summary>
    public List<NtfsAttribute> Pieces(AttributeType type, string name) =>
        Attributes.Where(a => a.Type == type && string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
}
