using V2V.Guest.Ntfs;
using V2V.Guest.Registry;

namespace V2V.Guest.Windows;

/// <summary>Opens a registry hive stored in an NTFS volume, with its transaction logs from the same folder.</summary>
public static class VolumeHive
{
    private static readonly string[] LogSuffixes = [".LOG", ".LOG1", ".LOG2"];

    /// <summary>
    /// The hive at <paramref name="path"/> of <paramref name="volume"/> (e.g. <see cref="WindowsSystemVolume.SystemHivePath"/>),
    /// replayed in memory from <c>NAME.LOG</c>, <c>NAME.LOG1</c> and <c>NAME.LOG2</c> beside it when
    /// they exist (found by NTFS's own case-insensitive lookup, so any letter case). Each file is
    /// read whole, at most <see cref="RegistryHive.MaxHiveBytes"/>. <paramref name="name"/> names the
    /// hive in messages and findings.
    /// </summary>
    /// <exception cref="V2V.Core.Errors.UsageException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="V2V.Core.Errors.InvalidImageException">The volume or the hive is damaged.</exception>
    /// <param name="spare">Bytes of room to leave after the hive's content in its array (for a <see cref="HiveWriter"/> that will append bins).</param>
    public static RegistryHive Open(NtfsVolume volume, string path, string name, int spare = 0)
    {
        var logs = new List<HiveLogFile>();
        foreach (string suffix in LogSuffixes)
        {
            string log = path + suffix;
            if (volume.Exists(log))
            {
                using var stream = volume.OpenFile(log);
                logs.Add(new HiveLogFile(LastComponent(name) + suffix, RegistryHive.ReadBounded(name + suffix, stream)));
            }
        }

        using var primary = volume.OpenFile(path);
        return RegistryHive.Open(name, RegistryHive.ReadBounded(name, primary, spare), logs);
    }

    private static string LastComponent(string path) => path[(path.LastIndexOfAny(['\\', '/']) + 1)..];
}
