namespace V2V.Jobs.Loading;

/// <summary>One item of a job's <c>chain:</c> — an output's format, subformat, sizes, path and keep.</summary>
internal static class StepReader
{
    private static readonly string[] Keys = ["format", "subformat", "block-size", "sector-size", "path", "keep"];

    public static StepSpec? Read(YamlValue value)
    {
        if (value.Fields("a chain step must be a mapping (format, path, ...)", Keys) is not { } keys)
        {
            return null;
        }

        string? format = keys.TryGet("format", out var f) ? f.Text() : null;
        if (format is null)
        {
            keys.Error("step has no format (vhdx, vhd, vmdk, raw)");
        }

        long? blockSize = keys.TryGet("block-size", out var b) ? b.Size() : null;
        int? sectorSize = keys.TryGet("sector-size", out var ss) ? ss.Number(512, 4096) : null;
        if (sectorSize is not (null or 512 or 4096))
        {
            ss!.Error("sector-size must be 512 or 4096");
        }

        bool keep = !keys.TryGet("keep", out var k) || (k.Bool() ?? true);
        if (!keys.TryGet("path", out var p) || p.Text() is not { Length: > 0 } path)
        {
            keys.Error("step has no path");
            return null;
        }

        return format is null ? null : new StepSpec(format, keys.TryGet("subformat", out var sub) ? sub.Text() : null, blockSize, sectorSize, p.Resolve(path), keep, keys.At, p.At);
    }
}
