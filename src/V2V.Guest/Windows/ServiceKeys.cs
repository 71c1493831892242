using V2V.Guest.Registry;

namespace V2V.Guest.Windows;

/// <summary>Typed reads of <c>&lt;control set&gt;\Services\NAME</c> keys of a SYSTEM hive.</summary>
internal static class ServiceKeys
{
    public static RegistryKey? Service(RegistryKey controlSet, string name) => controlSet.Subkey("Services")?.Subkey(name);

    /// <summary>Start and the StartOverride (the highest value under <c>StartOverride</c>, the strictest) of a service; Start null when the service is absent.</summary>
    public static ServiceStart Start(RegistryKey controlSet, string name)
    {
        var key = Service(controlSet, name);
        if (key is null)
        {
            return new ServiceStart(name, false, null);
        }

        int? start = Dword(key, "Start");
        int? overrideStart = key.Subkey("StartOverride")?.Values
            .Where(v => v.Type == RegistryValueType.Dword && v.Data.Length >= 4)
            .Select(v => (int?)v.AsDword()).Max();
        return new ServiceStart(key.Name, true, start, overrideStart);
    }

    public static int? Dword(RegistryKey? key, string name) =>
        key?.Value(name) is { Data.Length: >= 4 } value && value.Type is RegistryValueType.Dword or RegistryValueType.DwordBigEndian
            ? (int)value.AsDword()
            : null;

    public static string? String(RegistryKey? key, string name) =>
        key?.Value(name) is { } value && value.Type is RegistryValueType.String or RegistryValueType.ExpandString ? value.AsString() : null;

    /// <summary>The first string of a REG_MULTI_SZ (or a REG_SZ).</summary>
    public static string? FirstString(RegistryKey? key, string name) => key?.Value(name) switch
    {
        { Type: RegistryValueType.MultiString } multi => multi.AsMultiString() is [var first, ..] ? first : null,
        { Type: RegistryValueType.String } single => single.AsString(),
        _ => null,
    };
}
