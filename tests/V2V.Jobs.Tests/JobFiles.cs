using V2V.Cli;
using V2V.Jobs.Loading;
using V2V.TestSupport;

namespace V2V.Jobs.Tests;

/// <summary>Job files written into a temporary folder and read by the loader directly, with the CLI's registrations.</summary>
internal static class JobFiles
{
    public static JobRegistry Registry { get; } = FormatCatalog.Jobs(FormatCatalog.Create());

    /// <summary>Loads <paramref name="yaml"/> as <c>pipeline.yaml</c> in <paramref name="folder"/>; the problems as "LINE:COL: message" in file order.</summary>
    public static (JobFile? File, string[] Problems) Load(TempFolder folder, string yaml, JobRegistry? registry = null)
    {
        File.WriteAllText(folder.File("pipeline.yaml"), yaml);
        var errors = new List<JobFileError>();
        var file = JobFileLoader.Load(folder.File("pipeline.yaml"), registry ?? Registry, errors);
        return (file, Located(errors));
    }

    public static string[] Located(IEnumerable<JobFileError> errors) =>
        [.. errors.OrderBy(e => e.At.Line).ThenBy(e => e.At.Column).Select(e => $"{e.At.Line}:{e.At.Column}: {e.Message}")];
}
