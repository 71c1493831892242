using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using V2V.Guest.Inspection;

namespace V2V.Cli.Commands;

/// <summary>
/// <c>v2v inspect --json</c>: the source, its format, and a <see cref="DiskInspection"/> per disk
/// (with the VM and disk number inside a VM package). Same style as every --json output:
/// camelCase, indented, nulls omitted; source-generated so the native build prints the same.
/// </summary>
internal static class InspectJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = InspectJsonContext.Default,
    };

    public static string Serialize(InspectReport report) =>
        JsonSerializer.Serialize(report, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<InspectReport>)Options.GetTypeInfo(typeof(InspectReport)));
}

/// <summary>The whole report: <paramref name="Format"/> is the disk format, or the package format (ova, ovf, vmx, xva).</summary>
internal sealed record InspectReport(string Source, string Format, IReadOnlyList<InspectedDisk> Disks);

/// <summary>One disk: the VM and 1-based disk number when it comes from a VM package.</summary>
internal sealed record InspectedDisk(string? Vm, int? DiskNumber, DiskInspection Inspection);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(InspectReport))]
internal sealed partial class InspectJsonContext : JsonSerializerContext;
