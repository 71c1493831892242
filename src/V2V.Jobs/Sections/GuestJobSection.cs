using V2V.Core.Conversion;
using V2V.Guest.Fixups;
using V2V.Jobs;
using V2V.Jobs.Loading;

namespace V2V.Jobs.Sections;

/// <summary>
/// A job's <c>guest:</c> section, <c>{ fixups: auto|on|off, skip: [NAME...], disable-services: [NAME...] }</c>
/// (issue 14 item 4): the Windows fixups of the job's conversion. A job without it gets
/// <see cref="FixupRequest.Default"/> (auto).
/// </summary>
public sealed class GuestJobSection : JobSection<FixupRequest>, IGuestSection
{
    private static readonly string[] Keys = ["fixups", "skip", "disable-services"];

    public override string Key => "guest";

    public override FixupRequest? Read(YamlValue value)
    {
        if (value.Fields($"guest must be a mapping ({string.Join(", ", Keys)})", Keys) is not { } keys)
        {
            return null;
        }

        bool ok = true;
        var mode = FixupMode.Auto;
        if (keys.TryGet("fixups", out var f) && f.Text() is { } text)
        {
            if (FixupRequest.ParseMode(text) is { } parsed)
            {
                mode = parsed;
            }
            else
            {
                f.Error($"fixups must be auto, on or off, not \"{text}\"");
                ok = false;
            }
        }

        var skip = new List<string>();
        if (keys.TryGet("skip", out var s))
        {
            foreach (var item in s.List("skip must be a list of fixup names") ?? [])
            {
                if (item.Text() is not { } name)
                {
                    ok = false;
                }
                else if (!FixupNames.All.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    item.Error($"unknown fixup \"{name}\" (known: {string.Join(", ", FixupNames.All)})");
                    ok = false;
                }
                else
                {
                    skip.Add(name);
                }
            }
        }

        var services = new List<string>();
        if (keys.TryGet("disable-services", out var d))
        {
            foreach (var item in d.List("disable-services must be a list of service names") ?? [])
            {
                if (item.Text() is { Length: > 0 } name)
                {
                    services.Add(name);
                }
                else
                {
                    item.Error("a service name must not be empty");
                    ok = false;
                }
            }
        }

        return ok ? new FixupRequest(mode, skip, services) : null;
    }

    public IGuestStage? StageFor(JobSpec job) => FixupStage.From(Of(job) ?? FixupRequest.Default, $"job {job.Name}: guest.skip");
}
