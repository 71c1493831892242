using V2V.Core.Disks;
using V2V.Core.Formats;
using V2V.Jobs.Loading;

namespace V2V.Jobs.Sources;

/// <summary>
/// Sources that are local files or block devices, recognised by their content
/// (<see cref="FormatRegistry"/>): <c>type</c> is "auto", a registered format's name ("raw",
/// "vhdx", "ova", ...), or "physical", an alias of raw for disks of physical machines. An OVA may
/// say <c>skip-manifest-check: true</c> (<see cref="SourceOptions.SkipManifestCheck"/>).
/// </summary>
public sealed class FileSourceProvider(FormatRegistry formats) : ISourceProvider
{
    /// <summary>The alias of raw for a physical machine's disk (an image of it, or its block device).</summary>
    public const string Physical = "physical";

    public IReadOnlyList<string> Types { get; } = [SourceProviders.Auto, Physical, .. formats.SourceNames];

    public IReadOnlyList<string> Keys { get; } = ["type", "path", "skip-manifest-check"];

    public SourceSpec? Read(string type, YamlFields source)
    {
        if (!source.TryGet("path", out var p) || p.Text() is not { Length: > 0 } path)
        {
            source.Error("source has no path");
            return null;
        }

        YamlLocation? skipAt = null;
        if (source.TryGet("skip-manifest-check", out var k))
        {
            if (k.Bool() is not { } skip)
            {
                return null;
            }

            if (skip && type is not (SourceProviders.Auto or SourceOptions.ManifestFormat))
            {
                k.Error($"skip-manifest-check applies to OVA sources only, not to type {type}");
                return null;
            }

            skipAt = skip ? k.At : null;
        }

        return new FileSourceSpec(type, p.Resolve(path), source.At, p.At) { SkipManifestCheckAt = skipAt };
    }
}

/// <summary>A local file or block device; <see cref="Path"/> is absolute (resolved against the job file's folder).</summary>
public sealed record FileSourceSpec(string Type, string Path, YamlLocation At, YamlLocation PathAt) : SourceSpec(Type, At)
{
    /// <summary>Where <c>skip-manifest-check: true</c> was written, or null when the manifest is checked.</summary>
    public YamlLocation? SkipManifestCheckAt { get; init; }

    /// <summary>The OVA's members are not hashed against its manifest.</summary>
    public bool SkipManifestCheck => SkipManifestCheckAt is not null;

    public override string Name => Path;

    public override YamlLocation NameAt => PathAt;

    public override string? LocalPath => Path;

    public override OpenedSource Open(FormatRegistry formats)
    {
        if (Directory.Exists(Path))
        {
            throw new JobFileException(PathAt, $"source \"{Path}\" is a directory, not a disk image, device or VM package");
        }

        // Streams first: File.Exists is false on Windows for NUL, CON and named pipes.
        if (FileIdentity.IsStream(Path))
        {
            throw new JobFileException(PathAt, $"source \"{Path}\" is a pipe or character device; a pipeline needs a seekable file (it is read to plan, then to convert)");
        }

        if (!File.Exists(Path) && !FileIdentity.IsWindowsDevice(Path))
        {
            throw new JobFileException(PathAt, $"source \"{Path}\" does not exist");
        }

        var vmFormat = formats.DetectVmSourceFile(Path);
        string detected = vmFormat?.Name ?? formats.DetectFile(Path).Name;
        string expected = Type == FileSourceProvider.Physical ? formats.RawName : Type;
        if (Type != SourceProviders.Auto && !string.Equals(expected, detected, StringComparison.Ordinal))
        {
            throw new JobFileException(At, $"source \"{Path}\" is a {detected} file, not {Type}");
        }

        if (SkipManifestCheckAt is { } skipAt && detected != SourceOptions.ManifestFormat)
        {
            throw new JobFileException(skipAt, $"skip-manifest-check applies to OVA sources only; \"{Path}\" is a {detected} file");
        }

        var options = SourceOptions.Default with { SkipManifestCheck = SkipManifestCheck };
        return vmFormat is null
            ? OpenedSource.OfDisk(detected, formats.Open(Path, options))
            : OpenedSource.OfVms(detected, vmFormat.Open(Path, options, formats));
    }
}
