using V2V.Guest.Registry;

namespace V2V.Guest.Windows;

/// <summary>
/// The HAL (WINDOWS.md §4): the HardwareID of <c>Enum\Root\ACPI_HAL\0000</c> (ACPI HALs) or
/// <c>Enum\Root\PCI_HAL\0000</c> (non-ACPI ones), named as Device Manager names it.
/// </summary>
internal static class HalReader
{
    public static HalInfo? Read(RegistryKey controlSet)
    {
        var root = controlSet.Subkey("Enum")?.Subkey("Root");
        foreach (var (key, acpi) in new[] { ("ACPI_HAL", true), ("PCI_HAL", false) })
        {
            if (root?.Subkey(key)?.Subkey("0000") is { } device)
            {
                string? id = ServiceKeys.FirstString(device, "HardwareID");
                return new HalInfo(id?.ToLowerInvariant(), acpi) { Description = Describe(id) };
            }
        }

        return null;
    }

    private static string? Describe(string? hardwareId) => hardwareId?.ToLowerInvariant() switch
    {
        "e_isa_up" => "Standard PC (non-ACPI PIC, hal.dll)",
        "mps_up" => "MPS Uniprocessor PC (non-ACPI APIC, halapic.dll)",
        "mps_mp" => "MPS Multiprocessor PC (non-ACPI APIC, halmps.dll)",
        "acpipic_up" => "Advanced Configuration and Power Interface (ACPI) PC (ACPI PIC, halacpi.dll)",
        "acpiapic_up" => "ACPI Uniprocessor PC (ACPI APIC, halaacpi.dll)",
        "acpiapic_mp" => "ACPI Multiprocessor PC (ACPI APIC, halmacpi.dll)",
        "acpiapic" => "ACPI x86-based or x64-based PC (chosen at each boot)",
        "syspro_mp" => "Compaq SystemPro (halsp.dll)",
        _ => null,
    };
}
