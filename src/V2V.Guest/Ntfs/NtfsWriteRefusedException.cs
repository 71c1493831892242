using V2V.Core.Errors;

namespace V2V.Guest.Ntfs;

/// <summary>
/// The NTFS writer will not change this volume or file; <see cref="Reason"/> says why (hibernated,
/// unclean $LogFile, dirty volume, compressed/encrypted/sparse data, no room in the MFT record or
/// on the volume). Nothing was written when it is thrown before the first write.
/// </summary>
public sealed class NtfsWriteRefusedException(string device, string reason)
    : V2VException($"{device}: NTFS volume not written: {reason}")
{
    public string Reason { get; } = reason;

    public override int ExitCode => 2;
}
