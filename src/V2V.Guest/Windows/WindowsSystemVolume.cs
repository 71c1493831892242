using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.Guest.Ntfs;
using V2V.Guest.Partitions;

namespace V2V.Guest.Windows;

/// <summary>
/// Finds the volume Windows runs from: the NTFS volume holding <see cref="SystemHivePath"/>
/// (WINDOWS.md: the SYSTEM hive is what every Windows boot loads first). Read-only.
/// </summary>
public static class WindowsSystemVolume
{
    /// <summary>The SYSTEM hive's path in a Windows system volume (NT 4 to Windows 11).</summary>
    public const string SystemHivePath = @"\Windows\System32\config\SYSTEM";

    /// <summary>
    /// The first NTFS volume of <paramref name="layout"/> (partition-table order) holding
    /// <see cref="SystemHivePath"/>, opened; null when there is none. An NTFS volume that cannot be
    /// opened (damaged $MFT, encrypted) is passed over, not reported: this only chooses a volume.
    /// </summary>
    public static (DiskVolume Volume, NtfsVolume Ntfs)? Find(IDiskSource disk, DiskLayout layout)
    {
        foreach (var volume in layout.Volumes.Where(v => v.FileSystem == FileSystemKind.Ntfs))
        {
            try
            {
                var ntfs = NtfsVolume.Open(disk, volume.Offset, volume.Length);
                if (ntfs.Exists(SystemHivePath))
                {
                    return (volume, ntfs);
                }
            }
            catch (V2VException)
            {
                // Not readable as NTFS: not a volume Windows could be read from either.
            }
        }

        return null;
    }
}
