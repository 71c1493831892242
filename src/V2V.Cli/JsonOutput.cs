using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using V2V.Core.Formats;
using V2V.Jobs.Running;
using V2V.Core.Vm;

namespace V2V.Cli;

/// <summary>
/// The one JSON style of every <c>--json</c> output and <c>--report</c>: camelCase, indented, nulls
/// omitted, enums as camelCase strings. Serialization goes through source-generated metadata
/// (<see cref="CliJsonContext"/>), so the trimmed native build prints exactly what the JIT build prints.
/// VM records are not serialized here: <see cref="VmDescriptionJson"/> is their one writer, in the same style.
/// </summary>
public static class JsonOutput
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters =
        {
            new JsonStringEnumConverter<CheckSeverity>(JsonNamingPolicy.CamelCase),
        },
        TypeInfoResolver = CliJsonContext.Default,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T)));

    public static void Write<T>(TextWriter writer, T value) => writer.WriteLine(Serialize(value));
}

internal sealed record CheckReport(string Path, string Format, bool Clean, IReadOnlyList<CheckReportFinding> Findings);

internal sealed record CheckReportFinding(CheckSeverity Severity, string Text);

internal sealed record CompareReport(string A, string B, bool Identical, long? FirstDifference, long? CapacityA, long? CapacityB, string? DigestA = null, string? DigestB = null);

internal sealed record InfoReport(string Path, string Format, string? Subformat, long Capacity, long AllocatedBytes, int LogicalSectorSize,
    IReadOnlyList<string> Chain, Dictionary<string, string> Properties, string? Digest);

internal sealed record DiskConvertReport(string Source, long Capacity, string Digest, long DataBytesRead, long ZeroBytesDropped, double ElapsedSeconds,
    IReadOnlyList<DiskConvertReportTarget> Targets);

/// <param name="Digest">The target's own content digest (the source's unless the guest fixups changed it).</param>
/// <param name="Guest">What the guest stage printed (verdict, fixup outcomes); null when it did not run.</param>
/// <param name="Journal">The journal files written beside the target; null when none.</param>
internal sealed record DiskConvertReportTarget(string Path, string Format, string? Subformat, long Capacity, long FileLength, bool Verified, IReadOnlyList<string> Notes,
    string Digest, IReadOnlyList<string>? Guest, IReadOnlyList<string>? Journal, IReadOnlyList<string>? Warnings);

internal sealed record RunReport(string Pipeline, IReadOnlyList<JobResult> Jobs);

[JsonSerializable(typeof(CheckReport))]
[JsonSerializable(typeof(CompareReport))]
[JsonSerializable(typeof(InfoReport))]
[JsonSerializable(typeof(DiskConvertReport))]
[JsonSerializable(typeof(RunReport))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
