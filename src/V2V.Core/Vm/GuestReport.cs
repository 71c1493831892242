using System.Text.Json;
using System.Text.Json.Serialization;

namespace V2V.Core.Vm;

/// <summary>
/// What guest inspection found on one disk, as it is stored: the <c>guest</c> object of
/// <c>&lt;vm&gt;.vm.json</c> and <c>convert --json</c>, and the <c>guests</c> of a pipeline's report.
/// The operating system's facts, the Hyper-V verdict per generation and the findings; the full
/// inspection is <c>v2v inspect</c>'s. V2V.Guest makes it (<c>GuestReports</c>); Core carries and writes it.
/// </summary>
/// <param name="Disk">The 1-based disk number inspected (a VM's boot disk, or 1 for a single disk).</param>
/// <param name="Os">"windows", "linux", or "unknown" (nothing recognised, or the disk could not be read: see <see cref="Findings"/>).</param>
public sealed record GuestReport(int Disk, string Os)
{
    /// <summary>The VM's name where the record stands outside its VM (a pipeline's report); null in <c>vm.json</c>.</summary>
    public string? Vm { get; init; }

    /// <summary>Windows: <c>ProductName</c>, e.g. "Microsoft Windows Server 2003".</summary>
    public string? ProductName { get; init; }

    /// <summary>Windows: major.minor as the registry writes it ("5.2", "10.0").</summary>
    public string? Version { get; init; }

    public int? Build { get; init; }

    /// <summary>Windows: <c>CSDVersion</c>, e.g. "Service Pack 2".</summary>
    public string? ServicePack { get; init; }

    public string? Edition { get; init; }

    /// <summary>Windows: "x86", "x64", "ia64" or "arm64".</summary>
    public string? Architecture { get; init; }

    public string? ComputerName { get; init; }

    /// <summary>Windows: the Windows folder in its volume, e.g. <c>\WINDOWS</c>.</summary>
    public string? SystemRoot { get; init; }

    /// <summary>Linux: the file systems found ("ext4", "XFS", ...), which are not inspected further; null otherwise.</summary>
    public IReadOnlyList<string>? FileSystems { get; init; }

    /// <summary>One verdict per Hyper-V generation (1 then 2); empty when the disk holds no Windows and nothing blocks it.</summary>
    public IReadOnlyList<GuestReadiness> Readiness { get; init; } = [];

    /// <summary>What could not be read (damaged tables, hives, files), in plain sentences.</summary>
    public IReadOnlyList<string> Findings { get; init; } = [];

    /// <summary>"Microsoft Windows Server 2003 Service Pack 2 (5.2 build 3790, x86)", "Linux (ext4, XFS), not inspected further" or "no Windows or Linux found" (with the first finding).</summary>
    [JsonIgnore]
    public string System => Os switch
    {
        "windows" => $"{ProductName ?? "Windows (product unknown)"}{(ServicePack is null ? "" : $" {ServicePack}")} ({(Version is null ? "" : $"{Version}{(Build is null ? "" : $" build {Build}")}, ")}{Architecture ?? "architecture unknown"})",
        "linux" => $"Linux ({string.Join(", ", FileSystems ?? [])}), not inspected further",
        _ => Findings.Count > 0 ? $"no Windows or Linux found ({Findings[0]})" : "no Windows or Linux found",
    };

    /// <summary>"generation 1: fixable (ide-boot), generation 2: blocked (...)", or null without a verdict.</summary>
    [JsonIgnore]
    public string? Verdict => Readiness.Count == 0 ? null : string.Join(", ", Readiness.Select(r => r.Summary));

    /// <summary>Writes the record as one JSON object through source-generated metadata (camelCase, nulls left out), into any writer.</summary>
    public void WriteTo(Utf8JsonWriter writer) => JsonSerializer.Serialize(writer, this, GuestReportJsonContext.Default.GuestReport);
}

/// <summary>The verdict for one Hyper-V generation.</summary>
/// <param name="Verdict">"ready", "fixable" (see <see cref="Fixes"/>) or "blocked" (see <see cref="Reasons"/>).</param>
public sealed record GuestReadiness(int Generation, string Verdict, IReadOnlyList<GuestFix> Fixes, IReadOnlyList<string> Reasons, IReadOnlyList<string> Warnings)
{
    /// <summary>"generation 1: fixable (ide-boot, foreign-agents)", "generation 2: blocked (reason; reason)".</summary>
    [JsonIgnore]
    public string Summary => Verdict switch
    {
        "ready" => $"generation {Generation}: ready",
        "fixable" => $"generation {Generation}: fixable ({string.Join(", ", Fixes.Select(f => f.Name))})",
        _ => $"generation {Generation}: {Verdict} ({string.Join("; ", Reasons)})",
    };
}

/// <summary>A fix a generation needs, by its stable name ("ide-boot", "scsi-boot", "disk2vhd-hal", "foreign-agents") and what it changes.</summary>
public sealed record GuestFix(string Name, string Description);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GuestReport))]
internal sealed partial class GuestReportJsonContext : JsonSerializerContext;
