using V2V.Jobs.Sources;

namespace V2V.Jobs.Loading;

/// <summary>
/// A job's <c>source:</c> — its <c>type</c> chooses the provider (<see cref="SourceProviders"/>),
/// which reads the rest of the mapping (a path, or a server and a VM).
/// </summary>
internal static class SourceReader
{
    public static SourceSpec? Read(YamlValue value, SourceProviders providers)
    {
        if (!value.IsMapping)
        {
            value.Error("source must be a mapping (type, path)");
            return null;
        }

        var typeValue = value.Peek("type");
        string type = typeValue?.Text() ?? SourceProviders.Auto;
        var provider = providers.Find(type);
        // An unknown type is checked against the default provider's keys, so a misspelt key is reported too.
        var fields = value.Fields("", (provider ?? providers.Default).Keys)!;
        if (provider is null)
        {
            typeValue!.Error($"unknown source type \"{type}\" (known: {string.Join(", ", providers.Types)})");
            return null;
        }

        return provider.Read(type, fields);
    }
}
