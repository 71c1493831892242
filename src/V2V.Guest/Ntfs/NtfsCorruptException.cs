namespace V2V.Guest.Ntfs;

/// <summary>
/// A structure inside an NTFS volume breaks the format. Raised by the structure parsers, which
/// know no file name; <see cref="NtfsVolume"/> turns it into an InvalidImageException naming the
/// disk, the volume offset and the path being read.
/// </summary>
internal sealed class NtfsCorruptException(string problem) : Exception(problem);

/// <summary>A well-formed NTFS feature this reader does not implement (encrypted data, oversized reads).</summary>
internal sealed class NtfsUnsupportedException(string problem) : Exception(problem);

/// <summary>A path that names nothing in the volume (or a directory where a file was asked for).</summary>
internal sealed class NtfsNotFoundException(string problem) : Exception(problem);
