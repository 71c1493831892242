namespace V2V.Jobs.Loading;

/// <summary><c>defaults:</c> — verify, overwrite and digest every job starts from.</summary>
internal static class DefaultsReader
{
    private static readonly string[] Keys = ["verify", "overwrite", "digest"];

    public static JobDefaults Read(YamlValue value)
    {
        if (value.Fields("defaults must be a mapping (verify, overwrite, digest)", Keys) is not { } fields)
        {
            return new JobDefaults(false, false);
        }

        return new JobDefaults(
            fields.TryGet("verify", out var v) && (v.Bool() ?? false),
            fields.TryGet("overwrite", out var o) && (o.Bool() ?? false),
            fields.TryGet("digest", out var h) ? h.Digest() : null);
    }
}
