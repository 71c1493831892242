using V2V.Core.Errors;

namespace V2V.DiskFormats.Common;

/// <summary>Checks member names of untrusted tar archives (OVA, XVA) before anything is done with them.</summary>
public static class TarMemberName
{
    /// <summary>Refuses absolute names, ".." segments, backslashes and control characters.</summary>
    public static string Check(string archive, string name)
    {
        bool bad = name.Length == 0 || name[0] == '/' || name.Contains('\\', StringComparison.Ordinal)
            || name.Any(char.IsControl) || name.Split('/').Any(segment => segment == "..");
        if (bad)
        {
            throw new UnsafePathException(archive, name, "tar member names must be relative and stay inside the archive");
        }

        return name;
    }
}
