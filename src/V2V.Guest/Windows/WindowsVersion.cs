using V2V.Guest.Registry;

namespace V2V.Guest.Windows;

/// <summary>
/// Product and version from the SOFTWARE hive's <c>Microsoft\Windows NT\CurrentVersion</c>
/// (ProductName, CurrentVersion or CurrentMajor/MinorVersionNumber, CurrentBuildNumber,
/// CSDVersion, EditionID, InstallationType) and the SYSTEM hive's ProductType and computer name.
/// </summary>
internal static class WindowsVersion
{
    public const string CurrentVersionKey = @"Microsoft\Windows NT\CurrentVersion";

    public static WindowsInspection FromSoftware(WindowsInspection inspection, RegistryHive software)
    {
        var current = software.OpenKey(CurrentVersionKey);
        if (current is null)
        {
            return inspection;
        }

        int? major = ServiceKeys.Dword(current, "CurrentMajorVersionNumber");
        int? minor = ServiceKeys.Dword(current, "CurrentMinorVersionNumber");
        string? version = ServiceKeys.String(current, "CurrentVersion");
        if (major is null && version is not null && version.Split('.') is [var a, var b, ..] && int.TryParse(a, out int ma) && int.TryParse(b, out int mi))
        {
            (major, minor) = (ma, mi);
        }

        string? build = ServiceKeys.String(current, "CurrentBuildNumber") ?? ServiceKeys.String(current, "CurrentBuild");
        return inspection with
        {
            ProductName = ServiceKeys.String(current, "ProductName"),
            MajorVersion = major,
            MinorVersion = minor,
            Version = major is not null ? $"{major}.{minor ?? 0}" : version,
            Build = int.TryParse(build, out int number) ? number : null,
            ServicePack = NullIfEmpty(ServiceKeys.String(current, "CSDVersion")),
            Edition = ServiceKeys.String(current, "EditionID"),
            InstallationType = ServiceKeys.String(current, "InstallationType"),
        };
    }

    public static WindowsInspection FromSystem(WindowsInspection inspection, RegistryKey controlSet)
    {
        var control = controlSet.Subkey("Control");
        return inspection with
        {
            ProductType = ServiceKeys.String(control?.Subkey("ProductOptions"), "ProductType"),
            ComputerName = ServiceKeys.String(control?.Subkey("ComputerName")?.Subkey("ComputerName"), "ComputerName"),
        };
    }

    /// <summary><c>Session Manager\Environment\PROCESSOR_ARCHITECTURE</c>, the registry's fallback for the architecture.</summary>
    public static string? ProcessorArchitecture(RegistryKey controlSet) =>
        ServiceKeys.String(controlSet.Subkey("Control")?.Subkey("Session Manager")?.Subkey("Environment"), "PROCESSOR_ARCHITECTURE");

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
