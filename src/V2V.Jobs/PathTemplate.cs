using System.Globalization;

namespace V2V.Jobs;

/// <summary>Output paths of a job's chain steps: {job} is the job's name, {vm} the VM's file-safe name, {n} the disk number.</summary>
public static class PathTemplate
{
    public static string Expand(string template, string job, string vm, int n) => template
        .Replace("{job}", job, StringComparison.Ordinal)
        .Replace("{vm}", vm, StringComparison.Ordinal)
        .Replace("{n}", n.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
}
